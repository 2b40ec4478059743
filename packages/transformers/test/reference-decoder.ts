import { Rng, buildTokenizer, lmHeadValues, RMS_EPS } from '@d2pruner-tools/tiny-model';

/** Sizes of a generated tiny LLaVA's LLM (the generator's options). */
export interface ReferenceSizes {
  seed: number;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  ropeTheta: number;
}

type Row = Float64Array;

/** x [in] · W [in, out] (row-major). */
function matvec(x: Row, w: Float32Array, inDim: number, outDim: number): Row {
  const y = new Float64Array(outDim);
  for (let i = 0; i < inDim; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    const base = i * outDim;
    for (let o = 0; o < outDim; o++) y[o] += xi * w[base + o];
  }
  return y;
}

function rmsNorm(x: Row): Row {
  let s = 0;
  for (const v of x) s += v * v;
  const r = Math.sqrt(s / x.length + RMS_EPS);
  return Float64Array.from(x, (v) => v / r);
}

interface LayerWeights {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  o: Float32Array;
  gate: Float32Array;
  up: Float32Array;
  down: Float32Array;
}

/**
 * A plain, float64, row-by-row re-implementation of the tiny model's LLaMA decoder (RMSNorm,
 * rotate-half RoPE, causal softmax attention, SwiGLU), rebuilt from the generator's seeded
 * weights — independent of ONNX Runtime and of the package under test. A {@link ReferenceStack}
 * runs a range of its layers over the rows it is given, with its own KV cache.
 */
export class ReferenceDecoder {
  readonly d: number;
  readonly hd: number;
  readonly weights: LayerWeights[] = [];
  private readonly head: Float32Array;
  private readonly vocab: number;

  constructor(readonly sizes: ReferenceSizes) {
    const { seed, hidden: d, layers, intermediate: m } = sizes;
    this.d = d;
    this.hd = d / sizes.heads;
    const w = (name: string, inDim: number, outDim: number) => Rng.forTensor(seed, `decoder.${name}.weight`).uniform(inDim * outDim, 1 / Math.sqrt(inDim));
    for (let l = 0; l < layers; l++) {
      const p = `layers.${l}`;
      this.weights.push({
        q: w(`${p}.self_attn.q_proj`, d, d),
        k: w(`${p}.self_attn.k_proj`, d, d),
        v: w(`${p}.self_attn.v_proj`, d, d),
        o: w(`${p}.self_attn.o_proj`, d, d),
        gate: w(`${p}.mlp.gate_proj`, d, m),
        up: w(`${p}.mlp.up_proj`, d, m),
        down: w(`${p}.mlp.down_proj`, m, d),
      });
    }
    const tok = buildTokenizer();
    this.vocab = tok.vocabSize;
    this.head = lmHeadValues(seed, d, this.vocab);
    for (const id of tok.silent) for (let r = 0; r < d; r++) this.head[r * this.vocab + id] = 0;
  }

  /** RoPE (rotate-half) of one head vector at `pos`. */
  rope(x: Row, pos: number): Row {
    const hd = this.hd;
    const half = hd / 2;
    const out = new Float64Array(hd);
    for (let i = 0; i < half; i++) {
      const f = pos / Math.pow(this.sizes.ropeTheta, (2 * i) / hd);
      const c = Math.cos(f);
      const s = Math.sin(f);
      out[i] = x[i] * c - x[i + half] * s;
      out[i + half] = x[i + half] * c + x[i] * s;
    }
    return out;
  }

  /** Greedy token of a final residual row (final RMSNorm, LM head, argmax). */
  argmax(x: Row): number {
    const logits = matvec(rmsNorm(x), this.head, this.d, this.vocab);
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }
}

/** Layers [from, to) of a {@link ReferenceDecoder} with their own KV cache. */
export class ReferenceStack {
  private readonly keys: Row[][][];
  private readonly values: Row[][][];
  /** Mean over heads of the last processed row's attention probabilities in layer `to − 1`, over every cached position. */
  lastAttention = new Float64Array(0);

  constructor(
    private readonly dec: ReferenceDecoder,
    private readonly from: number,
    private readonly to: number,
  ) {
    const H = dec.sizes.heads;
    this.keys = Array.from({ length: to - from }, () => Array.from({ length: H }, () => []));
    this.values = Array.from({ length: to - from }, () => Array.from({ length: H }, () => []));
  }

  /** Runs the rows (in order, each seeing the cache and the rows before it) at the given positions; returns their residual stream. */
  run(rows: readonly Row[], positions: readonly number[]): Row[] {
    const { d, hd } = this.dec;
    const H = this.dec.sizes.heads;
    const m = this.dec.sizes.intermediate;
    let x: Row[] = rows.map((r) => Float64Array.from(r));
    for (let l = this.from; l < this.to; l++) {
      const w = this.dec.weights[l];
      const K = this.keys[l - this.from];
      const V = this.values[l - this.from];
      const next: Row[] = [];
      for (let t = 0; t < x.length; t++) {
        const h = rmsNorm(x[t]);
        const q = matvec(h, w.q, d, d);
        const k = matvec(h, w.k, d, d);
        const v = matvec(h, w.v, d, d);
        const o = new Float64Array(d);
        const mean = l === this.to - 1 && t === x.length - 1 ? new Float64Array(K[0].length + 1) : undefined;
        for (let head = 0; head < H; head++) {
          const qh = this.dec.rope(q.subarray(head * hd, (head + 1) * hd), positions[t]);
          K[head].push(this.dec.rope(k.subarray(head * hd, (head + 1) * hd), positions[t]));
          V[head].push(v.slice(head * hd, (head + 1) * hd));
          const scores = K[head].map((kj) => {
            let s = 0;
            for (let i = 0; i < hd; i++) s += qh[i] * kj[i];
            return s / Math.sqrt(hd);
          });
          const mx = Math.max(...scores);
          const e = scores.map((s) => Math.exp(s - mx));
          const z = e.reduce((a, b) => a + b, 0);
          for (let j = 0; j < e.length; j++) {
            const p = e[j] / z;
            if (mean) mean[j] += p / H;
            for (let i = 0; i < hd; i++) o[head * hd + i] += p * V[head][j][i];
          }
        }
        if (mean) this.lastAttention = mean;
        const r = Float64Array.from(x[t]);
        const ao = matvec(o, w.o, d, d);
        for (let i = 0; i < d; i++) r[i] += ao[i];
        const h2 = rmsNorm(r);
        const g = matvec(h2, w.gate, d, m);
        const u = matvec(h2, w.up, d, m);
        const act = Float64Array.from(g, (gi, i) => (gi / (1 + Math.exp(-gi))) * u[i]);
        const dn = matvec(act, w.down, m, d);
        for (let i = 0; i < d; i++) r[i] += dn[i];
        next.push(r);
      }
      x = next;
    }
    return x;
  }
}

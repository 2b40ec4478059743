/**
 * The cost model behind `auto` (one policy, owned by the kernel registry). Every estimate is in
 * milliseconds; the constants are calibrated on the measurements quoted in docs/gpu.md and are
 * only used to rank alternatives, never to report times.
 */

/** What kind of processor a backend runs on. */
export type BackendKind = 'cpu' | 'gpu' | 'software';

/**
 * What a backend tells the `auto` policy about the hardware it found (known once `available()`
 * resolved). `software` = a GPU API implemented on the CPU cores (llvmpipe, SwiftShader, gpu.js'
 * CPU mode): `auto` never routes work there.
 */
export interface BackendProfile {
  kind: BackendKind;
  /** Sustained multiply-adds per millisecond of its dense kernels. */
  macsPerMs: number;
  /** Fixed cost of one call (submit, synchronisation, read-back latency), ms. */
  callMs: number;
  /** Read-back throughput, bytes per ms. */
  readBytesPerMs: number;
}

/** Multiply-adds per millisecond of the CPU paths (float64 WebAssembly SIMD dots on one core). */
export const CPU_MACS_PER_MS = 1.3e6;

/** A D2Pruner request as the policy sees it (sizes and the edge rule only). */
export interface D2PrunerWorkload {
  kind: 'd2pruner';
  /** Features per token (D). */
  d: number;
  /** Candidates |R| (vertices of the graph). */
  candidates: number;
  /** Supplementary slots m. */
  slots: number;
  alpha: number;
  theta: number;
  radius: number;
}

/** One kernel call with its work in multiply-adds. */
export interface KernelWorkload {
  kind: 'kernel';
  work: number;
}

/** What `auto` chose and why. */
export interface AutoDecision {
  /** The backend that runs (`cpu` or a GPU backend). */
  backend: string;
  /** For D2Pruner: the graph form. */
  form?: 'lazy' | 'dense';
  /** One line for logs and `/healthz`. */
  reason: string;
  /** The estimates compared, ms. */
  estimates: Record<string, number>;
}

/** (2r+1)² − 1: the spatial neighbours of a token. */
function neighbours(radius: number): number {
  return (2 * radius + 1) ** 2 - 1;
}

/** True when two tokens that are not spatial neighbours can be joined (alpha·cos can exceed theta). */
export function semanticEdgesPossible(alpha: number, theta: number): boolean {
  return alpha * (1 + 1e-6) > theta;
}

/**
 * Estimated ms of the lazy CPU path. With semantic edges possible, each visited candidate is
 * tested against the round's picks: about candidates·slots/2 dots over all rounds (the measured
 * LLaVA and InternVL requests fit within 2×). Otherwise only spatial neighbours are tested.
 */
export function lazyCpuMs(w: D2PrunerWorkload): number {
  const dots = semanticEdgesPossible(w.alpha, w.theta) ? (w.candidates * w.slots) / 2 : w.slots * neighbours(w.radius) * 2;
  return 0.05 + (dots * w.d) / CPU_MACS_PER_MS;
}

/**
 * Estimated ms of the dense path on a backend: the certified cosine block (half of k²·D), the
 * read-back of the k×k bitset, and the CPU's exact pass over spatial neighbours when alpha < 1.
 */
export function denseMs(w: D2PrunerWorkload, p: BackendProfile): number {
  const k = w.candidates;
  const gpu = semanticEdgesPossible(w.alpha, w.theta) ? p.callMs + (k * k * w.d) / 2 / p.macsPerMs + (k * Math.ceil(k / 32) * 4) / p.readBytesPerMs : 0;
  const spatial = w.alpha < 1 ? (k * neighbours(w.radius) * w.d) / 2 / CPU_MACS_PER_MS : 0;
  return gpu + spatial + (k * k) / 32 / CPU_MACS_PER_MS;
}

/** Estimated ms of one kernel call on a backend (CPU: work / CPU rate). */
export function kernelMs(work: number, p: BackendProfile | 'cpu'): number {
  if (p === 'cpu') return work / CPU_MACS_PER_MS;
  return p.callMs + work / p.macsPerMs;
}

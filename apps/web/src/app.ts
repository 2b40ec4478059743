import type { MethodParams } from '@d2pruner/core';
import { listMethods } from '@d2pruner/methods';
import { agreement, renderCard } from './cards.js';
import { selectionCore, type SelectionCore } from './compare.js';
import { runInPage, runOnServer, type ErrorInfo, type RunOutcome, type RunTarget, RUN_TARGETS } from './run.js';
import { SceneError, fetchSample, fetchSampleList, sceneFromBytes, type SampleInfo, type Scene } from './scene.js';
import { setupWebGPU, type GpuStatus } from './webgpu.js';

/** What the page exposes as `window.__d2pruner` (for people in the console and for the browser test). */
export interface AppSnapshot {
  state: 'idle' | 'loading' | 'running' | 'done' | 'error';
  adapter: GpuStatus | null;
  scene: { name: string; n: number; d: number; frames: number } | null;
  results: Record<string, Partial<Record<RunTarget, ({ ok: true; ms: number; backend: string } & SelectionCore) | { ok: false; ms: number; error: ErrorInfo }>>>;
  agree: Record<string, boolean | null>;
  error: string | null;
  runs: number;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** The page: sample or dropped file → chosen methods on chosen backends → cards. */
export class App {
  readonly snapshot: AppSnapshot = { state: 'idle', adapter: null, scene: null, results: {}, agree: {}, error: null, runs: 0 };
  private scene: Scene | null = null;
  private image: ImageBitmap | undefined;
  private samples: SampleInfo[] = [];
  private gpu: GpuStatus = { available: false, description: 'not probed' };
  private readonly warmed = new Set<RunTarget>();

  private setState(state: AppSnapshot['state']): void {
    this.snapshot.state = state;
    document.body.dataset.state = state;
  }

  private showError(message: string | null): void {
    const box = $<HTMLParagraphElement>('error');
    box.hidden = message === null;
    box.textContent = message ?? '';
    this.snapshot.error = message;
  }

  private status(text: string): void {
    $('status').textContent = text;
  }

  /** Wires the controls, probes WebGPU, lists samples, and runs the URL's (or the default) job. */
  async start(url: URL): Promise<void> {
    const wanted = (url.searchParams.get('methods') ?? 'd2pruner').split(',');
    const box = $('methods');
    for (const m of listMethods()) {
      const label = document.createElement('label');
      const input = document.createElement('input');
      Object.assign(input, { type: 'checkbox', name: 'method', value: m.name, checked: wanted.includes(m.name) });
      label.append(input, ` ${m.name}`);
      label.title = m.description;
      box.append(label);
    }
    const targets = url.searchParams.get('backends')?.split(',');
    if (targets) for (const cb of document.querySelectorAll<HTMLInputElement>('input[name=backend]')) cb.checked = targets.includes(cb.value);
    const keep = url.searchParams.get('keep');
    if (keep) $<HTMLInputElement>('keep').value = keep;
    this.wire();

    this.gpu = await setupWebGPU();
    this.snapshot.adapter = this.gpu;
    console.log(`[d2pruner] WebGPU adapter: ${this.gpu.available ? this.gpu.description : `none (${this.gpu.description})`}`);
    $('adapter').textContent = this.gpu.available ? `WebGPU: ${this.gpu.description}` : `WebGPU unavailable — ${this.gpu.description}; the page runs on the CPU`;

    try {
      this.samples = await fetchSampleList();
    } catch (e) {
      this.fail(e);
      return;
    }
    const select = $<HTMLSelectElement>('sample');
    for (const s of this.samples) select.append(new Option(`${s.name} (N ${s.n}, D ${s.d})`, s.name));
    const first = url.searchParams.get('sample') ?? (this.samples.some((s) => s.name === 'llava-sample') ? 'llava-sample' : this.samples[0]?.name);
    if (first) {
      select.value = first;
      await this.loadSample(first);
      if (this.scene) await this.run();
    }
  }

  private wire(): void {
    $('load-sample').addEventListener('click', () => void this.loadSample($<HTMLSelectElement>('sample').value).then(() => this.scene && this.run()));
    $('run').addEventListener('click', () => void this.run());
    const keep = $<HTMLInputElement>('keep');
    const range = $<HTMLInputElement>('keep-range');
    keep.addEventListener('input', () => (range.value = keep.value));
    range.addEventListener('input', () => (keep.value = range.value));
    range.addEventListener('change', () => void this.run());
    const drop = $('drop');
    drop.addEventListener('dragover', (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      void this.loadFiles([...(e.dataTransfer?.files ?? [])]);
    });
    $<HTMLInputElement>('files').addEventListener('change', (e) => void this.loadFiles([...((e.target as HTMLInputElement).files ?? [])]));
  }

  private fail(e: unknown): void {
    this.setState('error');
    this.showError(e instanceof SceneError ? e.message : `Error: ${e instanceof Error ? e.message : String(e)}`);
    this.status('');
  }

  private setScene(scene: Scene): void {
    this.scene = scene;
    this.snapshot.scene = { name: scene.name, n: scene.n, d: scene.d, frames: scene.layout.frames.length };
    $<HTMLInputElement>('keep-range').max = String(scene.n);
    const frames = scene.layout.frames.map((f) => `${f.rows}×${f.cols}`).join(' + ');
    $('scene').textContent = `${scene.name}: N ${scene.n} tokens (${frames}), D ${scene.d}${scene.objects.length ? `, ${scene.objects.length} object boxes` : ''}${this.image ? ', with image' : ''}`;
  }

  /** Loads a bundled sample from the server. */
  async loadSample(name: string): Promise<void> {
    const info = this.samples.find((s) => s.name === name);
    if (!info) return this.fail(new Error(`unknown sample ${name}`));
    this.setState('loading');
    this.showError(null);
    try {
      this.image = undefined;
      this.setScene(await fetchSample(info));
      this.setState('idle');
    } catch (e) {
      this.fail(e);
    }
  }

  /** Loads dropped or chosen files: one token file and optionally an image. */
  async loadFiles(files: File[]): Promise<void> {
    this.showError(null);
    const imageFile = files.find((f) => f.type.startsWith('image/'));
    const tokenFile = files.find((f) => f !== imageFile);
    try {
      if (tokenFile) this.setScene(sceneFromBytes(tokenFile.name, new Uint8Array(await tokenFile.arrayBuffer())));
      if (imageFile) this.image = await createImageBitmap(imageFile);
      if (!this.scene) throw new SceneError(imageFile?.name ?? 'the drop', 'MISSING_TENSOR', 'features', 'drop a .safetensors token file (an image alone has no tokens)');
      this.setScene(this.scene);
      await this.run();
    } catch (e) {
      this.fail(e);
    }
  }

  private params(method: string): MethodParams {
    if (method !== 'd2pruner') return {};
    const num = (id: string) => Number($<HTMLInputElement>(id).value);
    return { alpha: num('alpha'), theta: num('theta'), pivotRatio: num('pivot-ratio') };
  }

  /** Runs every chosen method on every chosen backend and draws the cards. */
  async run(): Promise<void> {
    const scene = this.scene;
    if (!scene) return;
    const keep = Number($<HTMLInputElement>('keep').value);
    if (!Number.isInteger(keep) || keep < 0) return this.fail(new Error(`keep must be a whole number ≥ 0, got '${$<HTMLInputElement>('keep').value}'`));
    const methods = [...document.querySelectorAll<HTMLInputElement>('input[name=method]:checked')].map((c) => c.value);
    const targets = [...document.querySelectorAll<HTMLInputElement>('input[name=backend]:checked')].map((c) => c.value as RunTarget).filter((t) => RUN_TARGETS.includes(t));
    this.setState('running');
    this.showError(null);
    const cards = $('cards');
    cards.replaceChildren();
    const results: AppSnapshot['results'] = {};
    const agree: AppSnapshot['agree'] = {};
    const width = Math.min(420, Math.max(240, cards.clientWidth / Math.min(3, Math.max(1, methods.length)) - 32));
    for (const method of methods) {
      const outcomes: RunOutcome[] = [];
      const skipped: { target: RunTarget; reason: string }[] = [];
      const cold: RunTarget[] = [];
      for (const target of targets) {
        this.status(`${method} on ${target}…`);
        if (target === 'webgpu' && !this.gpu.available) {
          skipped.push({ target, reason: `no WebGPU adapter (${this.gpu.description})` });
          continue;
        }
        const params = this.params(method);
        if (target === 'webgpu' && !this.warmed.has(target)) cold.push(target);
        this.warmed.add(target);
        outcomes.push(target === 'server' ? await runOnServer(scene, method, keep, params) : await runInPage(scene, method, keep, params, target));
      }
      results[method] = Object.fromEntries(
        outcomes.map((o) => [o.target, o.ok ? { ok: true as const, ms: o.ms, backend: o.selection.backend, ...selectionCore(o.selection) } : { ok: false as const, ms: o.ms, error: o.error }]),
      );
      agree[method] = agreement(outcomes) ?? null;
      cards.append(renderCard({ method, keep, scene, outcomes, skipped, cold, image: this.image }, width));
    }
    this.snapshot.results = results;
    this.snapshot.agree = agree;
    this.snapshot.runs++;
    this.status(`${methods.length} method(s) × ${targets.length} backend(s) on ${scene.name}, keep ${keep}`);
    this.setState('done');
  }
}

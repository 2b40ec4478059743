import { InvalidArgumentError, isD2PrunerError, type MethodParams } from '@d2pruner/core';
import { listMethods } from '@d2pruner/methods';
import { EMPTY, Subject, catchError, concat, defer, finalize, from, ignoreElements, switchMap, tap, type Observable } from 'rxjs';
import { abortable } from './abortable.js';
import { agreement, renderCard } from './cards.js';
import { selectionCore } from './compare.js';
import { keepText, parseKeep, parseParam } from './controls.js';
import { loadImage } from './image/load.js';
import { runPlan, type MethodResult, type RunPlan } from './plan.js';
import { type ErrorInfo, type RunTarget, RUN_TARGETS } from './run.js';
import { SceneError, checkFileSize, fetchSample, fetchSampleList, sceneFromBytes, type SampleInfo, type Scene } from './scene.js';
import { adapterLine, defaultTargets, setupWebGPU, type GpuStatus } from './webgpu.js';

/** One backend's result in the snapshot. */
export type TargetResult = ({ ok: true; ms: number; backend: string } & ReturnType<typeof selectionCore>) | { ok: false; ms: number; error: ErrorInfo } | { ok: 'skipped'; reason: string };

/** What the page exposes as `window.__d2pruner` (for people in the console and for the browser test). */
export interface AppSnapshot {
  state: 'idle' | 'loading' | 'running' | 'done' | 'error';
  adapter: GpuStatus | null;
  scene: { name: string; n: number; d: number; frames: number } | null;
  /** Results of the current run only: a superseded run never writes here. */
  results: Record<string, Partial<Record<RunTarget, TargetResult>>>;
  agree: Record<string, boolean | null>;
  /** The targets the current run asked for. */
  targets: RunTarget[];
  error: string | null;
  /** Runs that completed; runs started (a superseded one is started but never completed). */
  runs: number;
  started: number;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** The input behind each field a typed error can name (`parseKeep`, `parseParam`), marked `aria-invalid` while the error shows. */
const FIELD_INPUTS: Readonly<Record<string, string>> = { keep: 'keep', alpha: 'alpha', theta: 'theta', 'pivot ratio': 'pivot-ratio' };

/**
 * The page: sample or dropped file → chosen methods on chosen backends → cards. Every action
 * (load a sample, drop files, prune) is a job; jobs go through one `switchMap`, so a new job
 * cancels the one in flight (its fetches and method runs are aborted) and only the newest job's
 * results and status ever reach the page.
 */
export class App {
  readonly snapshot: AppSnapshot = { state: 'idle', adapter: null, scene: null, results: {}, agree: {}, targets: [], error: null, runs: 0, started: 0 };
  private scene: Scene | null = null;
  private image: ImageBitmap | undefined;
  private samples: SampleInfo[] = [];
  private gpu: GpuStatus = { available: false, software: false, eligible: false, description: 'not probed' };
  private readonly warmed = new Set<RunTarget>();
  private readonly jobs = new Subject<Observable<unknown>>();
  /**
   * The newest load (the opening job's, a sample's, a drop's) until it completes or fails. A Prune
   * (or a slider move) while it is in flight runs after it instead of cancelling it: the run is
   * for the scene the user chose, not the one before.
   */
  private pendingLoad: Observable<never> | null = null;

  constructor() {
    this.jobs.pipe(switchMap((job) => job.pipe(catchError((e: unknown) => (this.fail(e), EMPTY))))).subscribe();
  }

  private setState(state: AppSnapshot['state']): void {
    this.snapshot.state = state;
    document.body.dataset.state = state;
    const busy = state === 'loading' || state === 'running';
    $<HTMLButtonElement>('cancel').disabled = !busy;
    $('cards').setAttribute('aria-busy', String(busy));
  }

  /** Shows (or, with null, hides) the error; `input` is the id of the box it is about, marked `aria-invalid` until the next job. */
  private showError(message: string | null, input?: string): void {
    const box = $<HTMLParagraphElement>('error');
    box.hidden = message === null;
    box.textContent = message ?? '';
    this.snapshot.error = message;
    for (const el of document.querySelectorAll('#panel-compare [aria-invalid]')) {
      el.removeAttribute('aria-invalid');
      el.removeAttribute('aria-describedby');
    }
    if (input) {
      $(input).setAttribute('aria-invalid', 'true');
      $(input).setAttribute('aria-describedby', 'error');
    }
  }

  private status(text: string): void {
    $('status').textContent = text;
  }

  /**
   * Wires the controls, probes WebGPU, lists samples, and runs the URL's (or the default) job.
   * The default job is queued on the job `switchMap` at once, waiting for the probe and the list:
   * a job the user starts meanwhile (a drop, a chosen file, a sample) supersedes it like any other,
   * so it never replaces the user's file. The probe and the list themselves are not part of the
   * job: they finish either way. Resolves when they have.
   */
  async start(url: URL): Promise<void> {
    const wanted = (url.searchParams.get('methods') ?? 'd2pruner').split(',');
    const box = $('methods');
    for (const m of listMethods()) {
      const label = document.createElement('label');
      const input = document.createElement('input');
      Object.assign(input, { type: 'checkbox', name: 'method', value: m.name, checked: wanted.includes(m.name) });
      label.append(input, ` ${m.name}`);
      label.title = `${m.description} — reads ${m.requires.join(', ') || 'nothing but N'}`;
      box.append(label);
    }
    const keep = url.searchParams.get('keep');
    if (keep) $<HTMLInputElement>('keep').value = $<HTMLInputElement>('keep-range').value = keep;
    this.wire();

    const setup = this.setup(url);
    this.loadThenRun(
      from(setup).pipe(
        switchMap((first) => {
          if (!first) return EMPTY;
          $<HTMLSelectElement>('sample').value = first;
          return this.loadSample$(first);
        }),
      ),
    );
    // A failed sample list is shown by the default job (unless a newer job superseded it).
    await setup.catch(() => undefined);
  }

  /** Probes WebGPU (ticking the default backends) and lists the samples; gives the sample to open first. */
  private async setup(url: URL): Promise<string | undefined> {
    this.gpu = await setupWebGPU();
    this.snapshot.adapter = this.gpu;
    console.log(`[d2pruner] WebGPU adapter: ${this.gpu.available ? this.gpu.description : `none (${this.gpu.description})`}${this.gpu.software ? ' (software)' : ''}`);
    $('adapter').textContent = adapterLine(this.gpu);
    const targets = url.searchParams.get('backends')?.split(',') ?? defaultTargets(this.gpu);
    for (const cb of document.querySelectorAll<HTMLInputElement>('input[name=backend]')) cb.checked = targets.includes(cb.value);

    this.samples = await fetchSampleList();
    const select = $<HTMLSelectElement>('sample');
    for (const s of this.samples) select.append(new Option(`${s.name} (N ${s.n}, D ${s.d})`, s.name));
    return url.searchParams.get('sample') ?? (this.samples.some((s) => s.name === 'llava-sample') ? 'llava-sample' : this.samples[0]?.name);
  }

  private wire(): void {
    $('load-sample').addEventListener('click', () => this.loadThenRun(this.loadSample$($<HTMLSelectElement>('sample').value)));
    $('run').addEventListener('click', () => this.prune());
    $('cancel').addEventListener('click', () => this.cancel());
    const keep = $<HTMLInputElement>('keep');
    const range = $<HTMLInputElement>('keep-range');
    keep.addEventListener('input', () => (range.value = keep.value));
    range.addEventListener('input', () => (keep.value = range.value));
    range.addEventListener('change', () => this.prune());
    const drop = $('drop');
    drop.addEventListener('dragover', (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      this.loadThenRun(this.loadFiles$([...(e.dataTransfer?.files ?? [])]));
    });
    $<HTMLInputElement>('files').addEventListener('change', (e) => this.loadThenRun(this.loadFiles$([...((e.target as HTMLInputElement).files ?? [])])));
  }

  /** Starts a job that loads (`load`) and then prunes; the load stays pending for a Prune until it settles. */
  private loadThenRun(load: Observable<never>): void {
    const pending: Observable<never> = load.pipe(
      tap({
        complete: () => this.settled(pending),
        error: () => this.settled(pending),
      }),
    );
    this.pendingLoad = pending;
    this.jobs.next(concat(pending, this.run$()));
  }

  private settled(load: Observable<never>): void {
    if (this.pendingLoad === load) this.pendingLoad = null;
  }

  /** Prunes the current scene, after the load in flight if there is one (it is restarted, not lost). */
  private prune(): void {
    this.jobs.next(concat(this.pendingLoad ?? EMPTY, this.run$()));
  }

  /** Stops the job in flight (its fetches and runs are aborted) and any pending load; the page keeps its scene. */
  private cancel(): void {
    const was = this.snapshot.state;
    this.pendingLoad = null;
    this.jobs.next(
      defer(() => {
        if (was === 'loading' || was === 'running') {
          this.setState('idle');
          this.status(`${was === 'loading' ? 'loading' : 'run'} cancelled`);
        }
        return EMPTY;
      }),
    );
  }

  /** Shows a job's error: a typed one as `CODE (field): message`, its input marked invalid and described by the message. */
  private fail(e: unknown): void {
    this.setState('error');
    if (e instanceof SceneError) this.showError(e.message);
    else if (isD2PrunerError(e)) this.showError(`${e.code} (${e.field}): ${e.message}`, FIELD_INPUTS[e.field]);
    else this.showError(`Error: ${e instanceof Error ? e.message : String(e)}`);
    this.status('');
  }

  private setScene(scene: Scene): void {
    this.scene = scene;
    this.snapshot.scene = { name: scene.name, n: scene.n, d: scene.d, frames: scene.layout.frames.length };
    const range = $<HTMLInputElement>('keep-range');
    range.max = String(scene.n);
    range.value = $<HTMLInputElement>('keep').value; // the slider follows the box (a URL's keep, or one above the old maximum)
    const frames = scene.layout.frames.map((f) => `${f.rows}×${f.cols}`).join(' + ');
    $('scene').textContent = `${scene.name}: N ${scene.n} tokens (${frames}), D ${scene.d}${scene.objects.length ? `, ${scene.objects.length} object boxes` : ''}${this.image ? ', with image' : ''}`;
  }

  /** Clears the previous job's cards and results: what follows belongs to the new job only. */
  private clearResults(): void {
    $('cards').replaceChildren();
    this.snapshot.results = {};
    this.snapshot.agree = {};
  }

  /** Loads a bundled sample from the server (cancelled by a newer job). */
  private loadSample$(name: string): Observable<never> {
    return defer(() => {
      const info = this.samples.find((s) => s.name === name);
      if (!info) throw new Error(`unknown sample ${name}`);
      this.setState('loading');
      this.showError(null);
      this.clearResults();
      this.status(`loading ${info.name}…`);
      return abortable((signal) => fetchSample(info, fetch, signal)).pipe(
        tap((scene) => {
          this.setImage(undefined);
          this.setScene(scene);
        }),
        ignoreElements(),
      );
    });
  }

  /** Loads dropped or chosen files: one token file and optionally an image. */
  private loadFiles$(files: File[]): Observable<never> {
    return defer(() => {
      this.setState('loading');
      this.showError(null);
      this.clearResults();
      const imageFile = files.find((f) => f.type.startsWith('image/'));
      const tokenFile = files.find((f) => f !== imageFile);
      this.status(`loading ${tokenFile?.name ?? imageFile?.name ?? 'files'}…`);
      return abortable(async (signal) => {
        if (tokenFile) checkFileSize(tokenFile.name, tokenFile.size);
        const scene = tokenFile ? sceneFromBytes(tokenFile.name, new Uint8Array(await tokenFile.arrayBuffer())) : this.scene;
        if (!scene) throw new SceneError(imageFile?.name ?? 'the drop', 'MISSING_TENSOR', 'features', 'drop a .safetensors token file (an image alone has no tokens)');
        const image = imageFile ? await this.decodeImage(imageFile, signal) : tokenFile ? undefined : this.image;
        return { scene, image };
      }).pipe(
        tap(({ scene, image }) => {
          this.setImage(image);
          this.setScene(scene);
        }),
        ignoreElements(),
      );
    });
  }

  /** Decodes a dropped image once its declared size is checked; a refusal names the file like a token file's. */
  private async decodeImage(file: File, signal: AbortSignal): Promise<ImageBitmap> {
    try {
      return await loadImage(file, signal);
    } catch (e) {
      throw isD2PrunerError(e) ? new SceneError(file.name, e.code, e.field, e.message) : e;
    }
  }

  /** Replaces the image drawn under the grids, closing the previous bitmap so its pixels are freed now. */
  private setImage(image: ImageBitmap | undefined): void {
    if (this.image && this.image !== image) this.image.close();
    this.image = image;
  }

  private params(method: string): MethodParams {
    if (method !== 'd2pruner') return {};
    const num = (id: string, name: string) => parseParam(name, $<HTMLInputElement>(id).value);
    return { alpha: num('alpha', 'alpha'), theta: num('theta', 'theta'), pivotRatio: num('pivot-ratio', 'pivot ratio') };
  }

  private plan(scene: Scene): RunPlan {
    const keep = parseKeep($<HTMLInputElement>('keep').value);
    const methods = [...document.querySelectorAll<HTMLInputElement>('input[name=method]:checked')].map((c) => c.value);
    const targets = [...document.querySelectorAll<HTMLInputElement>('input[name=backend]:checked')].map((c) => c.value as RunTarget).filter((t) => RUN_TARGETS.includes(t));
    // Nothing ticked (or a URL's ?methods= / ?backends= naming none that exist) would "run" nothing and say done.
    if (!methods.length) throw new InvalidArgumentError('methods', 'no method is ticked; choose at least one under Methods');
    if (!targets.length) throw new InvalidArgumentError('backends', 'no backend is ticked; choose at least one under Run on (WebGPU, CPU or server)');
    // Read (and checked) here, before the previous results are cleared: an invalid box changes nothing but the error.
    const params = new Map(methods.map((m) => [m, this.params(m)]));
    return {
      scene,
      keep,
      methods,
      targets,
      params: (m) => params.get(m) ?? {},
      unavailable: (t) => (t === 'webgpu' && !this.gpu.available ? `no WebGPU adapter (${this.gpu.description})` : undefined),
      onStart: (method, target) => this.status(`${method} on ${target} — ${scene.name}, ${keepText(keep, scene.n)}…`),
      onRetry: (method, seconds, attempt) => this.status(`${method} on server — the server is busy (503); retry ${attempt} in ${seconds} s…`),
    };
  }

  private show(plan: RunPlan, r: MethodResult): void {
    const cards = $('cards');
    const width = Math.min(420, Math.max(240, cards.clientWidth / Math.min(3, Math.max(1, plan.methods.length)) - 32));
    const cold = r.outcomes.filter((o) => o.target === 'webgpu' && !this.warmed.has(o.target)).map((o) => o.target);
    for (const o of r.outcomes) this.warmed.add(o.target);
    const entries: [RunTarget, TargetResult][] = r.outcomes.map((o) => [
      o.target,
      o.ok ? { ok: true, ms: o.ms, backend: o.selection.backend, ...selectionCore(o.selection) } : { ok: false, ms: o.ms, error: o.error },
    ]);
    for (const s of r.skipped) entries.push([s.target, { ok: 'skipped', reason: s.reason }]);
    this.snapshot.results[r.method] = Object.fromEntries(entries);
    this.snapshot.agree[r.method] = agreement(r.outcomes) ?? null;
    cards.append(renderCard({ method: r.method, keep: plan.keep, scene: plan.scene, outcomes: r.outcomes, skipped: r.skipped, cold, image: this.image }, width));
  }

  /** Runs every chosen method on every chosen backend and draws the cards (cancelled by a newer job). */
  private run$(): Observable<never> {
    return defer(() => {
      const scene = this.scene;
      if (!scene) return EMPTY;
      const plan = this.plan(scene);
      this.setState('running');
      this.showError(null);
      this.clearResults();
      this.snapshot.targets = plan.targets;
      this.snapshot.started++;
      let ended = false;
      return runPlan(plan).pipe(
        tap({
          next: (r) => this.show(plan, r),
          error: () => (ended = true),
          complete: () => {
            ended = true;
            this.snapshot.runs++;
            this.status(`${plan.methods.length} method(s) × ${plan.targets.length} backend(s) on ${scene.name}, ${keepText(plan.keep, scene.n)}`);
            this.setState('done');
          },
        }),
        finalize(() => {
          if (!ended) console.log(`[d2pruner] run on ${scene.name} cancelled by a newer job`);
        }),
        ignoreElements(),
      );
    });
  }
}

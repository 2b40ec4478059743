import { readFileSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UnknownNameError, readSafetensors, tokenInputFromSafetensors, tokenCount, type Layout } from '@d2pruner/core';

/** One bundled sample, as `GET /v1/samples` lists it. */
export interface SampleInfo {
  /** Name used in `?sample=` and batch lines (`sample:NAME`). */
  name: string;
  /** URL of the file on this server. */
  url: string;
  /** File size in bytes. */
  bytes: number;
  /** Visual tokens N. */
  n: number;
  /** Feature width D (0 when the file has no features). */
  d: number;
  /** Frames of its layout (absent when the file carries none). */
  frames?: Layout['frames'];
  /** Tensors it carries. */
  tensors: string[];
  /** Adapter id from its metadata, when present. */
  model?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The bundled sample scenes: every `*.safetensors` file of the configured folders, by file name
 * without extension (the first folder wins a name clash; byte-identical duplicates are skipped).
 * Files are read on first use and kept in memory (they are small).
 */
export class SampleStore {
  private readonly paths = new Map<string, string>();
  private readonly bytes = new Map<string, Uint8Array>();
  private infos: SampleInfo[] | null = null;

  /** @param dirs folders to scan (missing folders are ignored) */
  constructor(dirs: readonly string[]) {
    const sizes = new Map<number, string>();
    for (const dir of dirs) {
      let entries: string[];
      try {
        entries = readdirSync(dir).sort();
      } catch {
        continue;
      }
      for (const f of entries) {
        if (!f.endsWith('.safetensors')) continue;
        const name = basename(f, '.safetensors');
        if (!NAME.test(name) || this.paths.has(name)) continue;
        const path = join(dir, f);
        const size = statSync(path).size;
        if (sizes.has(size) && readSameSync(sizes.get(size)!, path)) continue;
        sizes.set(size, path);
        this.paths.set(name, path);
      }
    }
  }

  /** Sample names, sorted. */
  names(): string[] {
    return [...this.paths.keys()].sort();
  }

  /**
   * The bytes of a sample, in shared memory (so sending them to a worker shares rather than
   * copies or detaches them); unknown names are a typed error (`UNKNOWN_NAME` on `field`).
   */
  async read(name: string, field = 'sample'): Promise<Uint8Array> {
    const cached = this.bytes.get(name);
    if (cached) return cached;
    const path = this.paths.get(name);
    if (!path) throw new UnknownNameError(field, name, this.names());
    const file = await readFile(path);
    const data = new Uint8Array(new SharedArrayBuffer(file.byteLength));
    data.set(file);
    this.bytes.set(name, data);
    return data;
  }

  /** Descriptions of every sample (decoded once). */
  async list(): Promise<SampleInfo[]> {
    if (this.infos) return this.infos;
    const out: SampleInfo[] = [];
    for (const name of this.names()) {
      const bytes = await this.read(name);
      const file = readSafetensors(bytes);
      const input = tokenInputFromSafetensors(file);
      out.push({
        name,
        url: `/samples/${name}.safetensors`,
        bytes: bytes.byteLength,
        n: tokenCount(input),
        d: input.features?.cols ?? 0,
        ...(input.layout ? { frames: input.layout.frames } : {}),
        tensors: [...file.entries.keys()],
        ...(input.model ? { model: input.model } : {}),
      });
    }
    this.infos = out;
    return out;
  }
}

function readSameSync(a: string, b: string): boolean {
  return readFileSync(a).equals(readFileSync(b));
}

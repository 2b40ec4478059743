import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { TextFile } from './pointers.js';

/** Paths that are data, not text a reader follows: test vectors, the lockfile, generated output. */
const EXCLUDED = /^(?:fixtures\/|package-lock\.json$)|(?:^|\/)(?:node_modules|dist|\.nx|coverage)\/|^docs\/api\//;
const BINARY = /\.(?:png|jpe?g|gif|ico|webp|safetensors|onnx|wasm|bin|gz|tgz|zip|pdf)$/i;
const MAX_BYTES = 2_000_000;

function walk(root: string, dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === '.git' || entry.name === 'node_modules') continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) walk(root, full, out);
    else if (entry.isFile()) out.push(relative(root, full).split(sep).join('/'));
  }
}

/** Every file of the repository: `git ls-files` (tracked and not ignored), or a walk without git. */
export function repositoryPaths(root: string): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
    return out.split('\0').filter((p) => p !== '');
  } catch {
    const out: string[] = [];
    walk(root, root, out);
    return out;
  }
}

/** The shipped text files among `paths`: sources, READMEs, docs, configs — not data or build output. */
export function shippedTextFiles(root: string, paths: readonly string[]): TextFile[] {
  const files: TextFile[] = [];
  for (const path of paths) {
    if (EXCLUDED.test(path) || BINARY.test(path)) continue;
    const full = join(root, path);
    let size: number;
    try {
      size = statSync(full).size;
    } catch {
      continue;
    }
    if (size > MAX_BYTES) continue;
    const text = readFileSync(full, 'utf8');
    if (text.includes('\u0000')) continue;
    files.push({ path, text });
  }
  return files;
}

// The numpy reference peer (peers/numpy_peer.py): same files, same requests, same run. Skipped
// with a logged reason when python3 or numpy is missing.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PEER = join(dirname(fileURLToPath(import.meta.url)), 'peers', 'numpy_peer.py');

/** Why the peer cannot run here, or undefined when it can. */
export function peerUnavailable() {
  const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (probe.error) return `python3 not found (${probe.error.code})`;
  if (probe.status !== 0) return 'numpy is not installed for python3';
  return undefined;
}

/** Variables that hold numpy's BLAS (OpenBLAS, MKL, or an OpenMP build) to one thread. */
const ONE_BLAS_THREAD = { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

/**
 * Runs the requests ({file, method, keep, params, reps}) in numpy: one {median, ms, keep} each.
 * numpy's BLAS uses every core by default; `oneThread` holds it to one (a per-core comparison).
 */
export function runPeer(requests, { oneThread = false } = {}) {
  const list = join(tmpdir(), `d2pruner-peer-${process.pid}.json`);
  writeFileSync(list, JSON.stringify(requests));
  const env = oneThread ? { ...process.env, ...ONE_BLAS_THREAD } : process.env;
  const r = spawnSync('python3', [PEER, list], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env });
  if (r.status !== 0) throw new Error(`numpy peer failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l));
}

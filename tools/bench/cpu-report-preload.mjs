// Preloaded with `node --import` into the batch processes bench-batch.mjs spawns: reports the
// process's CPU time on stderr when it exits (cpu-report.mjs).
import { reportCpuOnExit } from './cpu-report.mjs';

reportCpuOnExit();

// The CPU time of a whole process, reported when it exits: bench-batch.mjs preloads
// cpu-report-preload.mjs (`node --import`) into each `prune --batch` process it spawns and reads
// the line back from its stderr.
import { writeSync } from 'node:fs';

/** The prefix of the line {@link reportCpuOnExit} writes. */
export const CPU_LINE = 'd2pruner-bench-cpu ';

/**
 * When the process exits, writes the CPU time of all its threads (getrusage of the process: main
 * thread, workers, V8's compiler and GC threads, the kernel's time for its reads) to stderr as
 * one line `d2pruner-bench-cpu {"userS":…,"systemS":…}`.
 */
export function reportCpuOnExit() {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    writeSync(2, `\n${CPU_LINE}${JSON.stringify({ userS: user / 1e6, systemS: system / 1e6 })}\n`);
  });
}

/** The CPU seconds in a process's stderr text (user + system, and system alone), or undefined without the line. */
export function cpuFromStderr(text) {
  const line = text.split('\n').find((l) => l.startsWith(CPU_LINE));
  if (!line) return undefined;
  const { userS, systemS } = JSON.parse(line.slice(CPU_LINE.length));
  return { cpuS: userS + systemS, sysS: systemS };
}

import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

/** The shared settings, plus `--expose-gc` so the memory test can measure live heap after collection. */
export default mergeConfig(shared, defineConfig({ test: { execArgv: ['--expose-gc'] } }));

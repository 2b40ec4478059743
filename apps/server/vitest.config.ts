import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

/**
 * The shared settings, with test files run one after another: the load and browser tests
 * measure latency and memory, which other files running beside them would distort.
 */
export default mergeConfig(shared, defineConfig({ test: { fileParallelism: false, testTimeout: 120_000, hookTimeout: 120_000 } }));

import { defineConfig } from 'vitest/config';

/** Shared vitest settings: resolve workspace packages to their TypeScript sources. */
export default defineConfig({
  resolve: { conditions: ['@d2pruner/source'] },
  ssr: { resolve: { conditions: ['@d2pruner/source'] } },
  test: { include: ['test/**/*.test.ts', 'src/**/*.test.ts'], testTimeout: 60_000 },
});

import { defineConfig } from 'vite';

/**
 * The web app: workspace packages resolve to their TypeScript sources (`@d2pruner/source`), and
 * the `browser` condition maps `@d2pruner/kernels-webgpu`'s Dawn provider to its stub, so the
 * bundle holds no Node code. Relative asset URLs, so the server can serve `dist/` at any prefix.
 */
export default defineConfig({
  base: './',
  resolve: { conditions: ['@d2pruner/source', 'browser', 'module', 'import', 'default'] },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 2000 },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080', '/samples': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080' } },
});

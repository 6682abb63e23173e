/**
 * The admin console's build: `npm run build` (or `npm start` when the build is missing or older than the
 * sources) writes a static site to dist/console, which the local runtime serves at `/` and CDK uploads to
 * the console bucket behind CloudFront.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  // Relative asset paths: the same files work at `/` locally and on the CloudFront domain.
  base: './',
  plugins: [preact({ prerender: { enabled: false } })],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
});

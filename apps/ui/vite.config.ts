import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Relative asset URLs (`./assets/...`), as Dkron's UI build: the page works under /ui/ and under any
// proxy prefix. The server fills index.html's {{.DKRON_*}} placeholders on every load.
export default defineConfig({
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `pnpm dev` next to an agent on :8080.
    proxy: { '/v1': 'http://127.0.0.1:8080' },
  },
});

import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// In a plain browser the UI talks to the test bridge on its own origin (`/_bridge/…`). With
// `FUNCTORY_BRIDGE_URL` set to a running bridge, `npm run dev` forwards those requests to it, so
// the hot-reloading dev server runs against the real backend (see README.md).
const bridge = process.env.FUNCTORY_BRIDGE_URL;

export default defineConfig({
  base: './',
  plugins: [react()],
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
    proxy: bridge ? { '/_bridge': { target: bridge, changeOrigin: true } } : undefined,
  },
  preview: { port: 1420, strictPort: true },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
});

import { defineConfig } from 'vite';
import { precompress } from './build/precompress.ts';

// The bundle is embedded by the Go binary (frontend.go); everything is served
// from the page's own origin. `npm run dev` proxies the API to a running citygrid.
export default defineConfig({
  plugins: [precompress()], // brotli and gzip twins of the text files, sent as they are by frontend/static.go
  build: {
    outDir: 'dist',
    emptyOutDir: true, // the build script writes dist/.gitkeep back (go:embed needs it on a fresh clone)
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 4000,
    sourcemap: false,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/profile': 'http://127.0.0.1:8080',
      '/ws': { target: 'ws://127.0.0.1:8080', ws: true },
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});

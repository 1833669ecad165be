import { defineConfig } from 'vite';
import { hanSubset } from './build/hansubset.ts';
import { precompress } from './build/precompress.ts';

// The bundle is embedded by the Go binary (frontend.go); everything is served
// from the page's own origin. `npm run dev` proxies the API to a running citygrid.
export default defineConfig({
  plugins: [
    // One font file of the Chinese the product writes: the default profile's, the page's and the server's.
    hanSubset({ dirs: ['../profiles/suzhou', 'src', 'index.html'], goRoots: ['..'] }),
    precompress(), // brotli and gzip twins of the text files, sent as they are by frontend/static.go
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true, // the build script writes dist/.gitkeep back (go:embed needs it on a fresh clone)
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 4000,
    sourcemap: false,
    rolldownOptions: {
      output: {
        // The map libraries in chunks of their own: they change with an
        // upgrade, not with our code, so a new build of the page leaves them
        // (and their year-long cache entries) as they were.
        codeSplitting: {
          groups: [
            { name: 'maplibre', test: /node_modules[\\/](?:maplibre-gl|@maplibre|@mapbox)[\\/]/, priority: 3 },
            { name: 'deckgl', test: /node_modules[\\/](?:@deck\.gl|@luma\.gl|@math\.gl|@loaders\.gl|@probe\.gl)[\\/]/, priority: 2 },
            { name: 'vendor', test: /node_modules[\\/]/, priority: 1 },
          ],
        },
      },
    },
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

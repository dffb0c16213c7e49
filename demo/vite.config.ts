import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

export default defineConfig({
  // The SDK's analysis worker imports modules: bundle it as an ES module worker.
  worker: { format: 'es' },
  build: {
    // Top-level await in main.ts and module workers.
    target: 'es2022',
    // A demo bundle with RxDB is larger than Vite's default warning limit, and that is fine.
    chunkSizeWarningLimit: 1_500,
  },
  plugins: [
    VitePWA({
      // A new version waits until the user accepts it (or every tab of the app is closed): never a reload mid-game.
      registerType: 'prompt',
      // src/pwa/serviceWorker.ts registers it, so the page can show the update offer.
      injectRegister: false,
      filename: 'sw.js',
      manifest: {
        id: '/',
        name: 'M2M Sync glove rehab demo',
        short_name: 'Glove rehab',
        description: 'Rehabilitation games with a sensor glove: record offline, see results at once, sync when online.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#f3f5f9',
        theme_color: '#1d2433',
        icons: [
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icon.svg', sizes: 'any', type: 'image/svg+xml' },
        ],
      },
      workbox: {
        // Everything the app needs to start with no network, the analysis worker's script included
        // (the manifest and its icons are added by the plugin).
        globPatterns: ['**/*.{js,css,html}'],
        // The app routes in the page: every navigation gets the cached index.html.
        navigateFallback: 'index.html',
        // /config.json is generated per server start and never cached here; the page keeps the last one it read.
        navigateFallbackDenylist: [/^\/config\.json$/],
        cleanupOutdatedCaches: true,
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
      },
    }),
  ],
});

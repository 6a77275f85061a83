import { defineConfig } from "vite";

/** The browser game lives in client/; the build lands in dist/, which partykit.json serves. */
export default defineConfig({
  root: "client",
  publicDir: "public",
  build: {
    outDir: "../dist",
    emptyOutDir: true,
    // Phaser alone is about 1.2 MB minified; one chunk loads faster than a waterfall here.
    chunkSizeWarningLimit: 2_000,
  },
  server: { port: 5173 },
});

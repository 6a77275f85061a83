import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/unit/**/*.test.ts", "tests/integration/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Integration files each start their own partykit dev; two at a time fit 2 cores.
    maxWorkers: 2,
  },
});

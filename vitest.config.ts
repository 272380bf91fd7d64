import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "action/**/*.test.ts", "receiver/**/*.test.ts"],
    // The Wine job runs on its own (.ci/wine, test/windows/wine/vitest.config.ts).
    exclude: ["**/node_modules/**", "test/windows/wine/**"],
    globalSetup: ["test/setup/build-dist.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    reporters: ["default"],
  },
});

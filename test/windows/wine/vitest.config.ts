// The Wine job's own run (.ci/wine): the one test file that needs Wine, with the
// bundles built first as for every other end-to-end test.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/windows/wine/**/*.test.ts"],
    globalSetup: ["test/setup/build-dist.ts"],
    testTimeout: 240_000,
    hookTimeout: 180_000,
    pool: "forks",
    reporters: ["default"],
  },
});

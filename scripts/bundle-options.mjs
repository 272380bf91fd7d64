// The esbuild options of every bundle in dist/, shared by scripts/build.mjs (which writes
// them) and the benchmarks that build a variant in memory to compare with (bench/deployments.mjs).
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

// CommonJS dependencies bundled into ESM still call require() for node builtins.
export const requireShim = [
  "import { createRequire as __hotswapCreateRequire } from 'node:module';",
  "const require = __hotswapCreateRequire(import.meta.url);",
].join("\n");

export const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  legalComments: "none",
  minifySyntax: true,
  charset: "utf8",
  logLevel: "warning",
  write: false,
  define: { __HOTSWAP_VERSION__: JSON.stringify(pkg.version) },
};

/** dist/action/index.js: ESM by this repository's package.json, run by the runner. */
export const actionBundle = {
  ...common,
  entryPoints: { index: "action/index.ts" },
  outdir: "dist/action",
  banner: { js: requireShim },
};

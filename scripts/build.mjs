// Bundles the action, the receiver and the CLI into dist/: one ESM file each that runs with
// plain `node` and no node_modules beside it. Deterministic, so CI can diff it.
// The receiver is dist/receiver/cli.mjs: an admin copies it alone, with no
// package.json saying "type": "module" beside it, and Node 20.0–20.18 (no module
// detection) would read an ESM cli.js as CommonJS. The action stays index.js: it
// runs inside this repository, whose package.json makes it ESM. The CLI is
// dist/client/hotswap.mjs for the receiver's reason: a user copies it alone.
import { build } from "esbuild";
import { actionBundle, common, requireShim } from "./bundle-options.mjs";
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

// A command a user copies alone and runs: .mjs, with a shebang.
// Its syntax is Node 18's, so that on the Node 18 of Debian 12's apt the receiver's first
// module (receiver/node-check.ts) can run and say which Node it needs instead of a
// SyntaxError: esbuild lowers what Node 18 cannot parse (a regexp's v flag becomes a
// RegExp call).
function standalone(name, entry, outdir) {
  return build({
    ...common,
    target: "node18",
    entryPoints: { [name]: entry },
    outdir,
    outExtension: { ".js": ".mjs" },
    banner: { js: `#!/usr/bin/env node\n${requireShim}` },
  });
}

// `node scripts/build.mjs [action|receiver|client]` builds one bundle; no argument builds all.
const only = process.argv[2];
const bundles = {
  action: () => build(actionBundle),
  receiver: () => standalone("cli", "receiver/cli.ts", "dist/receiver"),
  client: () => standalone("hotswap", "client/index.ts", "dist/client"),
};
if (only && !(only in bundles)) {
  console.error(
    `build: unknown bundle "${only}"; expected one of: ${Object.keys(bundles).join(", ")}`,
  );
  process.exit(2);
}
// Each output file is written beside its target and renamed over it, so a test
// or demo running the bundle at the same moment never sees it missing or half
// written; files the build no longer makes (such as the old dist/receiver/cli.js)
// are removed.
async function write(name) {
  const { outputFiles } = await bundles[name]();
  const dir = join("dist", name);
  mkdirSync(dir, { recursive: true });
  const made = new Set();
  for (const file of outputFiles) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(`${file.path}.tmp`, file.contents);
    renameSync(`${file.path}.tmp`, file.path);
    made.add(file.path);
  }
  for (const entry of readdirSync(dir)) {
    const path = join(process.cwd(), dir, entry);
    if (!made.has(path)) rmSync(path, { recursive: true, force: true });
  }
}
await Promise.all((only ? [only] : Object.keys(bundles)).map(write));

// Deployments: what recording each deploy as a GitHub Deployment costs the action. The
// bundle's bytes, beside the same bundle built with @octokit/core left out (what it was
// before the Deployments code); and whole runs of the bundle as the runner runs it, a
// deploy of the artifact that is live already (answered "already live" at once, so what is
// left is the process and its calls) with `deployment: false` and with `deployment: true`
// against a stand-in for GitHub's REST API on loopback, beside the bundle's cold start (no
// inputs: it loads, evaluates and fails on the first input) and bare `node -e ""`, all
// measured in turn in the same rounds.
import { createServer } from "node:http";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { actionBundle } from "../scripts/bundle-options.mjs";
import { runnerless, timed } from "./action.mjs";
import { SECRET, stats, withReceiver } from "./lib.mjs";

const RUNS = Number(process.env.BENCH_COLD_STARTS ?? 10);
const BUNDLE = resolve("dist/action/index.js");
const APP = `#!/usr/bin/env node
const http = require("node:http");
http.createServer((req, res) => res.end("ok\\n")).listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
`;

// The action bundle as scripts/build.mjs makes it (same options and banner), in memory;
// `without` packages left out.
async function bundleBytes(without = []) {
  const result = await build({ ...actionBundle, external: without });
  return result.outputFiles[0].contents.length;
}

// Answers the two endpoints the action calls with GitHub's 201s; counts the calls.
async function githubStandIn() {
  let calls = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      calls++;
      const id = /\/deployments$/.test(req.url ?? "") ? 1 : 2;
      res.writeHead(201, { "content-type": "application/json" });
      res.end(JSON.stringify({ id, state: "success" }));
    });
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    calls: () => calls,
    close: () => new Promise((done) => server.close(done)),
  };
}

export async function benchDeployments() {
  const [bytes, withoutOctokit] = [statSync(BUNDLE).size, await bundleBytes(["@octokit/core"])];
  const built = await bundleBytes();
  const github = await githubStandIn();
  try {
    return await withReceiver(
      "deployments",
      { bench: { script: APP, instances: 1 } },
      async (rx, dir) => {
        const checkout = join(dir, "checkout");
        mkdirSync(checkout);
        writeFileSync(join(checkout, "app.js"), APP);
        for (const name of ["output", "summary"]) writeFileSync(join(dir, name), "");
        const env = (deployment) => ({
          ...runnerless(),
          INPUT_URL: rx.api,
          INPUT_APP: "bench",
          INPUT_FILE: "app.js",
          INPUT_KEY: SECRET,
          "INPUT_KEY-ID": "ci",
          INPUT_AUDIENCE: "https://bench.test",
          INPUT_TIMEOUT: "60",
          "INPUT_GITHUB-TOKEN": "ghs_bench",
          INPUT_DEPLOYMENT: deployment,
          GITHUB_OUTPUT: join(dir, "output"),
          GITHUB_STEP_SUMMARY: join(dir, "summary"),
          GITHUB_API_URL: github.url,
          GITHUB_WORKSPACE: checkout,
          GITHUB_REPOSITORY: "octo/bench",
          GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
          GITHUB_RUN_ID: "1",
        });
        const step = async (deployment) => {
          const r = await timed([BUNDLE], env(deployment), checkout);
          if (r.code !== 0)
            throw new Error(`the action with deployment: ${deployment} exited ${r.code}`);
          return r.exitMs;
        };
        await step("false"); // warms the page cache and the receiver
        await step("true");
        const before = github.calls();
        const bare = [];
        const cold = [];
        const off = [];
        const on = [];
        for (let i = 0; i < RUNS; i++) {
          bare.push((await timed(["-e", ""], runnerless())).exitMs);
          // No inputs: it fails on the first one it reads, so this is loading the bundle.
          cold.push((await timed([BUNDLE], runnerless())).exitMs);
          off.push(await step("false"));
          on.push(await step("true"));
        }
        const calls = github.calls() - before;
        if (calls !== RUNS * 3) throw new Error(`the stand-in saw ${calls} calls, not ${RUNS * 3}`);
        const [offMs, onMs] = [stats(off), stats(on)];
        return {
          bundleBytes: bytes,
          builtBytes: built,
          bundleWithoutOctokitBytes: withoutOctokit,
          octokitBytes: built - withoutOctokit,
          bareNodeMs: stats(bare),
          coldStartMs: stats(cold),
          deploymentOffMs: offMs,
          deploymentOnMs: onMs,
          deploymentCostMs: onMs.median - offMs.median,
        };
      },
    );
  } finally {
    await github.close();
  }
}

// Action: the bundled action's cold start and size (and the CLI's beside them), and its whole run for a 100 MiB
// artifact (run as the runner runs it: `node dist/action/index.js` with INPUT_* env)
// versus the bare upload of the same file by bench/lib.mjs.
import { spawn } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join, resolve } from "node:path";
import {
  SECRET,
  appStatus,
  run,
  sha256File,
  stats,
  token,
  upload,
  waitFor,
  withReceiver,
} from "./lib.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const COLD_STARTS = 10;
const BUNDLE = resolve("dist/action/index.js");
const CLI = resolve("dist/client/hotswap.mjs");
const SIZE = 100 * 1024 ** 2;

// The environment without anything a runner (or this shell) set for GitHub.
export function runnerless() {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(INPUT_|GITHUB_|ACTIONS_|RUNNER_)/.test(k)),
  );
}

// Spawn to first byte of output and spawn to exit, of one process.
export function timed(args, env, cwd) {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    let firstOutput;
    const child = spawn(process.execPath, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const seen = () => (firstOutput ??= performance.now() - started);
    child.stdout.on("data", seen);
    child.stderr.on("data", seen);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const exitMs = performance.now() - started;
      resolvePromise({ code, firstOutputMs: firstOutput ?? exitMs, exitMs });
    });
  });
}

// The action with no inputs fails at once on the first one it reads ("url"): what is
// left is loading and evaluating the bundle. Bare `node` start is measured beside it.
async function coldStart() {
  const env = runnerless();
  await timed([BUNDLE], env); // warm the page cache
  const action = [];
  const bare = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    bare.push(await timed(["-e", ""], env));
    const r = await timed([BUNDLE], env);
    if (r.code !== 1) throw new Error(`the action without inputs exited ${r.code}, not 1`);
    action.push(r);
  }
  return {
    exitMs: stats(action.map((r) => r.exitMs)),
    firstOutputMs: stats(action.map((r) => r.firstOutputMs)),
    bareNodeMs: stats(bare.map((r) => r.exitMs)),
  };
}

// The CLI's cold start: `hotswap --version` loads and evaluates the whole bundle (yaml is
// loaded lazily, only for a YAML profile) and prints one line.
async function cliColdStart() {
  const env = runnerless();
  await timed([CLI, "--version"], env); // warm the page cache
  const runs = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    const r = await timed([CLI, "--version"], env);
    if (r.code !== 0) throw new Error(`hotswap --version exited ${r.code}, not 0`);
    runs.push(r);
  }
  return { exitMs: stats(runs.map((r) => r.exitMs)) };
}

// A valid node server script padded with a 100 MiB comment, so it can be deployed and
// started: `build` makes two distinct artifacts for alternate deploys.
function makeArtifact(path, build) {
  const head = `#!/usr/bin/env node
// action bench app, build ${build}
const http = require("node:http");
http
  .createServer((req, res) => res.end(req.url === "/health" ? "ok" : "${build}\\n"))
  .listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
/*
`;
  const line = Buffer.alloc(1 << 16, "x");
  line[line.length - 1] = 10;
  const fd = openSync(path, "w", 0o755);
  writeSync(fd, head);
  for (let left = SIZE - head.length - 3; left > 0; left -= line.length)
    writeSync(fd, line, 0, Math.min(left, line.length));
  writeSync(fd, "*/\n");
  closeSync(fd);
  return path;
}

// Runs the bundle the way the runner does: every input of action.yml as INPUT_*, the
// workspace as working directory, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY as files.
async function runAction(dir, api, operation, file) {
  const temp = join(dir, "runner");
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp);
  const output = join(temp, "output");
  const env = {
    ...runnerless(),
    INPUT_URL: api,
    INPUT_APP: "bench",
    INPUT_FILE: file,
    INPUT_KEY: SECRET,
    "INPUT_KEY-ID": "ci",
    INPUT_OPERATION: operation,
    INPUT_AUDIENCE: "https://bench.test",
    "INPUT_ROLLBACK-TO": "",
    INPUT_TIMEOUT: "120",
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: join(temp, "summary"),
    GITHUB_ACTIONS: "true",
    CI: "true",
    GITHUB_WORKSPACE: join(dir, "checkout"),
    GITHUB_REPOSITORY: "octo/bench",
    GITHUB_REF: "refs/heads/main",
    GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
    GITHUB_RUN_ID: "1",
    GITHUB_ACTOR: "bench",
    GITHUB_EVENT_NAME: "push",
    RUNNER_TEMP: temp,
  };
  for (const name of ["output", "summary"]) writeFileSync(join(temp, name), "");
  const started = performance.now();
  const r = await run(process.execPath, [BUNDLE], {
    env,
    cwd: env.GITHUB_WORKSPACE,
    timeoutMs: 150_000,
  });
  const ms = performance.now() - started;
  if (r.code !== 0)
    throw new Error(`action ${operation} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  const outputs = readFileSync(output, "utf8");
  // @actions/core writes each output as `name<<DELIMITER`, the value, DELIMITER.
  const field = (name) => Number(new RegExp(`^${name}<<.*\\n(\\d+)$`, "m").exec(outputs)?.[1]);
  return { ms, receiverMs: field("duration-ms"), holdMs: field("hold-ms") };
}

export async function benchAction() {
  const cold = await coldStart();
  const cliCold = await cliColdStart();
  // No exeFile to begin with: the first deploy puts one live.
  return withReceiver("action", { bench: { instances: 1 } }, async (rx, dir) => {
    mkdirSync(join(dir, "checkout"));
    const builds = ["a", "b"].map((b) => makeArtifact(join(dir, `checkout/app-${b}.js`), b));
    const sha = [];
    const hashMs = [];
    for (const file of builds) {
      const started = performance.now();
      sha.push(await sha256File(file));
      hashMs.push(performance.now() - started);
    }
    const bare = [];
    const actionUpload = [];
    const actionDeploy = [];
    for (let i = 0; i < RUNS + 1; i++) {
      const started = performance.now();
      const bearer = await token({ op: "upload", sha256: sha[0] });
      const res = await upload(rx.api, "/v1/apps/bench/upload", builds[0], SIZE, sha[0], bearer);
      const ms = performance.now() - started;
      if (res.status !== 200 || !res.text.includes('"ok":true'))
        throw new Error(`upload failed: ${res.status} ${res.text}`);
      const up = await runAction(dir, rx.api, "upload", "app-a.js");
      const dep = await runAction(dir, rx.api, "deploy", `app-${"ba"[i % 2]}.js`);
      if (i === 0) continue; // the first round warms the receiver and the page cache
      bare.push(ms);
      actionUpload.push(up);
      actionDeploy.push(dep);
    }
    await waitFor("the deployed app healthy", async () =>
      (await appStatus(rx.api, "bench")).instances.every((s) => s.state === "healthy"),
    );
    const upMs = stats(bare);
    const actUp = stats(actionUpload.map((r) => r.ms));
    const actDep = stats(actionDeploy.map((r) => r.ms));
    return {
      bundleBytes: statSync(BUNDLE).size,
      coldStart: cold,
      cliBundleBytes: statSync(CLI).size,
      cliColdStart: cliCold,
      artifactBytes: SIZE,
      clientSha256Ms: stats(hashMs),
      uploadAloneMs: upMs,
      actionUploadMs: actUp,
      actionDeployMs: actDep,
      actionDeployReceiverMs: stats(actionDeploy.map((r) => r.receiverMs)),
      actionDeployHoldMs: stats(actionDeploy.map((r) => r.holdMs)),
      actionUploadToUpload: actUp.median / upMs.median,
      actionDeployToUpload: actDep.median / upMs.median,
    };
  });
}

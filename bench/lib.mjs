// Shared pieces of the benchmarks: a receiver run from the bundle in a temp
// folder with its apps (withReceiver), key-mode tokens, and a streamed upload. Benchmarks measure; they
// assert nothing (targets are read off the printed ratios).
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import {
  chmodSync,
  createReadStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SignJWT } from "jose";

export const SECRET = "bench-secret-0123456789abcdef0123456789abcdef";
const CLI = resolve("dist/receiver/cli.mjs");

export function tempDir(name) {
  return mkdtempSync(join(tmpdir(), `hotswap-bench-${name}-`));
}

/** Starts the bundled receiver on a config written into `dir`; resolves once it says ready. */
// `cli`: another receiver bundle, e.g. a baseline build to compare against in one run.
export async function startReceiver(dir, apps, cli = CLI) {
  const config = {
    listen: "127.0.0.1:0",
    audience: "https://bench.test",
    data: "./.hotswap",
    auth: { keys: [{ id: "ci", secret: SECRET }] },
    apps,
  };
  writeFileSync(join(dir, "hotswap.yaml"), JSON.stringify(config, null, 2)); // JSON is YAML
  // BENCH_CPU_PROF=DIR: the receiver writes a V8 CPU profile there when it stops.
  const prof = process.env.BENCH_CPU_PROF
    ? ["--cpu-prof", `--cpu-prof-dir=${resolve(process.env.BENCH_CPU_PROF)}`]
    : [];
  const child = spawn(process.execPath, [...prof, cli, "--config", join(dir, "hotswap.yaml")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stderr.on("data", (c) => (log += c));
  child.stdout.on("data", (c) => (log += c));
  const deadline = Date.now() + 30_000;
  while (!/ ready\n/.test(log)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`receiver did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const api = /API on (http:\/\/\S+)/.exec(log)[1];
  const gate = (app) =>
    `http://${new RegExp(`\\[${app}\\] gate listening on (\\S+)`).exec(log)[1]}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    const gone = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await gone;
  };
  return { child, api, gate, stop, log: () => log };
}

/**
 * An app's config as the benchmarks run it: exeFile deploy/{app} (its update beside it)
 * in the receiver's folder, PORT from {port}, a gate on a free port, /health as its
 * health check; `keys` add to it or override it.
 */
export function appConfig(app, keys = {}) {
  return {
    exeFile: `./deploy/${app}`,
    updateFile: `./deploy/${app}_update`,
    env: { PORT: "{port}" },
    gate: "127.0.0.1:0",
    health: { path: "/health" },
    ...keys,
  };
}

/**
 * Starts a receiver in `dir` for `apps`, `{ [app]: { script, ...keys } }`: each app's
 * exeFile is its `script` (none: no server until the first deploy), its config
 * appConfig(app, keys). `cli` as for startReceiver. Does not wait for the servers.
 */
export function startApps(dir, apps, cli) {
  mkdirSync(join(dir, "deploy"), { recursive: true });
  const config = {};
  for (const [app, { script, ...keys }] of Object.entries(apps)) {
    if (script !== undefined) writeExecutable(join(dir, `deploy/${app}`), script);
    config[app] = appConfig(app, keys);
  }
  return startReceiver(dir, config, cli);
}

/**
 * The frame of a benchmark: a temp folder named after it, a receiver there for `apps`
 * (startApps), and `measure(rx, dir)` once every server of every app with a script is
 * healthy; resolves with what `measure` does. The receiver stops and the folder goes
 * afterwards, whatever happened.
 */
export async function withReceiver(name, apps, measure) {
  const dir = tempDir(name);
  try {
    const rx = await startApps(dir, apps);
    try {
      for (const [app, { script }] of Object.entries(apps)) {
        if (script === undefined) continue;
        await waitFor(`${app} healthy`, async () => {
          const { instances } = await appStatus(rx.api, app);
          return instances.length > 0 && instances.every((s) => s.state === "healthy");
        });
      }
      return await measure(rx, dir);
    } finally {
      await rx.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function token(claims) {
  return new SignJWT({ app: "bench", ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT", kid: "ci" })
    .setAudience("https://bench.test")
    .setIssuedAt()
    .setExpirationTime("5m")
    .setJti(randomUUID())
    .sign(new TextEncoder().encode(SECRET));
}

export async function sha256File(file) {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk);
  return hash.digest("hex");
}

/** Streams a file to the API; resolves with status and body text. */
export function upload(api, path, file, size, sha, bearer) {
  return new Promise((resolvePromise, reject) => {
    const req = request(
      `${api}${path}`,
      {
        method: "POST",
        headers: {
          authorization: `Bearer ${bearer}`,
          "content-length": size,
          "x-hotswap-sha256": sha,
          "content-type": "application/octet-stream",
        },
      },
      (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => resolvePromise({ status: res.statusCode, text }));
      },
    );
    req.on("error", reject);
    createReadStream(file, { highWaterMark: 1 << 20 }).pipe(req);
  });
}

/** Peak resident set (VmHWM) of a process, in bytes (Linux). */
export function peakRss(pid) {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1];
  return Number(kb) * 1024;
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1);

/** Median, min and max of some runs, the form every row of the table prints. */
export function stats(xs) {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs.length };
}

/** A port the OS says is free on loopback (closed again before it returns). */
export function freePort() {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
      const { port } = server.address();
      server.close(() => resolvePromise(port));
    });
  });
}

/** Writes a server script the receiver can run as an exe (shebang, mode 0755). */
export function writeExecutable(path, text) {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

/** GET /v1/apps/{app} with a status token. */
export async function appStatus(api, app) {
  const res = await fetch(`${api}/v1/apps/${app}`, {
    headers: { authorization: `Bearer ${await token({ app, op: "status" })}` },
  });
  if (res.status !== 200) throw new Error(`status of ${app}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Polls `check` until it returns a truthy value, or throws after `ms`. */
export async function waitFor(what, check, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Deploys a file through the API; resolves with the NDJSON events and the result. */
export async function deploy(api, app, file) {
  const sha = await sha256File(file);
  const bearer = await token({ app, op: "deploy", sha256: sha });
  const res = await upload(api, `/v1/apps/${app}/deploy`, file, statSync(file).size, sha, bearer);
  const events = res.text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));
  const result = events.at(-1);
  if (res.status !== 200 || result?.type !== "result" || !result.ok)
    throw new Error(`deploy of ${app} failed: ${res.status} ${res.text.slice(-2000)}`);
  return { events, result };
}

/**
 * Runs a command to its end (killed after `timeoutMs`); resolves with its exit code and
 * output. Every load the benchmarks start is bounded this way.
 */
export function run(cmd, args, { timeoutMs = 60_000, env = process.env, cwd } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (c) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c) => (stderr += c));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** Whether `cmd` is on PATH. */
export function have(cmd) {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

/**
 * Makes Debian's `packages` available when `commands` are missing: installs them when
 * root, else returns why the caller must skip (undefined when all is there).
 */
export function ensureCommands(commands, packages) {
  const missing = commands.filter((cmd) => !have(cmd));
  if (missing.length === 0) return undefined;
  if (process.getuid?.() !== 0) return `${missing.join(", ")} not installed and not root`;
  console.error(`bench: installing ${packages.join(" ")} for ${missing.join(", ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () =>
    spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], {
      stdio: "inherit",
      env,
      timeout: 300_000,
    }).status === 0;
  if (!install()) {
    spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env, timeout: 300_000 });
    if (!install()) return `apt-get install ${packages.join(" ")} failed`;
  }
  const still = commands.filter((cmd) => !have(cmd));
  return still.length ? `${still.join(", ")} still missing after apt-get install` : undefined;
}

/** Sends `signal` to a child and waits for it to be gone (SIGKILL after `ms`). */
export async function stopProcess(child, signal = "SIGTERM", ms = 5_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once("exit", r));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  await gone;
  clearTimeout(timer);
}

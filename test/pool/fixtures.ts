import { afterEach, beforeEach } from "vitest";
// Real servers for the pool tests: one small node script whose behaviour the test
// picks through environment variables, written into a fresh temp folder.
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool, type PoolSpec } from "../../receiver/pool/pool.js";

const SERVER_SCRIPT = `#!/usr/bin/env node
const fs = require("node:fs");
const http = require("node:http");
const net = require("node:net");
const argv = process.argv.slice(2);
const at = argv.indexOf("--port");
const port = Number(at >= 0 ? argv[at + 1] : process.env.PORT);
const instance = process.env.INSTANCE;
console.log("starting on port " + port);
if (process.env.PID_DIR) fs.writeFileSync(process.env.PID_DIR + "/pid-" + instance, String(process.pid));
const failing = process.env.FAIL_INSTANCE && process.env.FAIL_INSTANCE === instance;
if (failing) {
  const fail = () => {
    console.error("fatal: cannot open database");
    process.exit(Number(process.env.EXIT_CODE));
  };
  const after = process.env.FAIL_AFTER_FILE;
  if (after) setInterval(() => fs.existsSync(after) && fail(), 10);
  else fail();
} else {
  serve();
}

let probes = 0;
function serve() {
  if (process.env.IGNORE_SIGTERM) process.on("SIGTERM", () => console.log("ignoring SIGTERM"));
  if (process.env.MODE === "tcp") {
    net.createServer((socket) => socket.end("hello\\n")).listen(port, "127.0.0.1");
    return;
  }
  // TAKE_PORT_FILE: for the first TAKE_PORT_TIMES starts (counted in that file), the
  // port is already bound when the server listens: Node's own EADDRINUSE, and exit 1.
  const takeFile = process.env.TAKE_PORT_FILE;
  if (takeFile) {
    const starts = (fs.existsSync(takeFile) ? Number(fs.readFileSync(takeFile, "utf8")) : 0) + 1;
    fs.writeFileSync(takeFile, String(starts));
    if (starts <= Number(process.env.TAKE_PORT_TIMES)) {
      const thief = net.createServer().listen(port, "127.0.0.1", () => {
        http.createServer().listen(port, "127.0.0.1");
      });
      return;
    }
  }
  const server = http.createServer((req, res) => {
    if (req.method === "POST") {
      if (req.url !== process.env.STOP_PATH) return res.writeHead(404).end();
      if (process.env.STOP_IGNORED) return res.end("not now");
      console.log("stopping on request");
      res.end("bye");
      return server.close(() => process.exit(0));
    }
    if (req.url === "/health") {
      // HEALTH_SEQUENCE: the statuses of the probes in turn, the last one repeated.
      const sequence = (process.env.HEALTH_SEQUENCE || "").split(",").filter(Boolean);
      const status = sequence.length ? sequence[Math.min(probes, sequence.length - 1)] : process.env.HEALTH_STATUS;
      probes++;
      if (process.env.LOG_PROBES) console.log("health probe " + probes + ": " + (status || 200));
      res.writeHead(Number(status || 200));
      return res.end("health");
    }
    const env = { PORT: process.env.PORT, INSTANCE: instance, EXE: process.env.EXE };
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ pid: process.pid, port, argv, env, cwd: process.cwd() }));
  });
  server.listen(port, "127.0.0.1");
}
`;

/** A temp folder with the server script as an executable named "webdemo". */
export async function makeApp(): Promise<{ dir: string; exe: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "hotswap-pool-"));
  const exe = join(dir, "webdemo");
  await writeFile(exe, SERVER_SCRIPT);
  await chmod(exe, 0o755);
  return { dir, exe, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A spec for the script above: port through args, instance through env. */
export function specFor(overrides: Partial<PoolSpec> = {}): PoolSpec {
  return {
    app: "webdemo",
    args: ["--port", "{port}"],
    env: { INSTANCE: "{instance}" },
    instances: 1,
    health: { path: "/health", timeoutMs: 10_000 },
    stopTimeoutMs: 5_000,
    ...overrides,
  };
}

/** Pools made here are stopped by stopAllPools() in afterEach. */
const pools: Pool[] = [];
export function makePool(spec: PoolSpec, events?: ConstructorParameters<typeof Pool>[1]): Pool {
  const pool = new Pool(spec, events);
  pools.push(pool);
  return pool;
}
export async function stopAllPools(): Promise<void> {
  await Promise.all(pools.splice(0).map((pool) => pool.stop()));
}

/**
 * A fresh app folder for every test of the file, and every pool stopped and the folder
 * removed after it. The object's fields are filled in before each test.
 */
export function appPerTest(): Awaited<ReturnType<typeof makeApp>> {
  const app = {} as Awaited<ReturnType<typeof makeApp>>;
  beforeEach(async () => {
    Object.assign(app, await makeApp());
  });
  afterEach(async () => {
    await stopAllPools();
    await app.cleanup();
  });
  return app;
}

/** GET a JSON body from an origin. */
export async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

// Shared pieces of the benchmarks: a receiver run from the bundle in a temp
// folder, key-mode tokens, and a streamed upload. Benchmarks measure; they
// assert nothing (targets are read off the printed ratios).
import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SignJWT } from "jose";

export const SECRET = "bench-secret-0123456789abcdef0123456789abcdef";
const CLI = resolve("dist/receiver/cli.js");

export function tempDir(name) {
  return mkdtempSync(join(tmpdir(), `hotswap-bench-${name}-`));
}

/** Starts the bundled receiver on a config written into `dir`; resolves once it says ready. */
export async function startReceiver(dir, apps) {
  const config = {
    listen: "127.0.0.1:0",
    audience: "https://bench.test",
    data: "./.hotswap",
    auth: { keys: [{ id: "ci", secret: SECRET }] },
    apps,
  };
  writeFileSync(join(dir, "hotswap.yaml"), JSON.stringify(config, null, 2)); // JSON is YAML
  const child = spawn(process.execPath, [CLI, "--config", join(dir, "hotswap.yaml")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stderr.on("data", (c) => (log += c));
  child.stdout.on("data", (c) => (log += c));
  const deadline = Date.now() + 30_000;
  while (!/ ready\n/.test(log)) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`receiver did not start:\n${log}`);
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

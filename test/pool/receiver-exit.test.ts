import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { reapStale } from "../../receiver/pool/reap.js";
import { makeApp } from "./fixtures.js";
import { alive } from "../helpers/alive.mjs";
import { waitFor } from "../helpers/wait-for.js";

let app: Awaited<ReturnType<typeof makeApp>>;
let receiver: ChildProcess | undefined;
let serverPids: number[] = [];
beforeEach(async () => {
  app = await makeApp();
});
afterEach(async () => {
  receiver?.kill("SIGKILL");
  for (const pid of serverPids.splice(0)) if (alive(pid)) process.kill(pid, "SIGKILL");
  await app.cleanup();
});

// Runs the pool in a process of its own (bundled from source), the way the receiver
// runs it, and answers once its servers are healthy.
async function startReceiver(pidFile: string): Promise<ChildProcess> {
  const driver = join(app.dir, "run-pool.mjs");
  const entry = fileURLToPath(new URL("./fixtures/run-pool.ts", import.meta.url));
  await build({
    entryPoints: [entry],
    outfile: driver,
    bundle: true,
    platform: "node",
    format: "esm",
  });
  const child = spawn(process.execPath, [driver, app.exe, pidFile], { stdio: "pipe" });
  receiver = child;
  const [line] = (await Promise.race([
    once(createInterface({ input: child.stdout }), "line"),
    once(child, "exit").then(() => Promise.reject(new Error("the receiver exited early"))),
  ])) as [string];
  serverPids = JSON.parse(line) as number[];
  expect(serverPids.map(alive)).toEqual([true, true]);
  return child;
}

describe("servers and the receiver's life", () => {
  it("servers die when the receiver exits", async () => {
    const pidFile = join(app.dir, "pids.json");
    const child = await startReceiver(pidFile);

    child.stdin!.write("exit\n");
    await once(child, "exit");

    await waitFor(() => serverPids.every((pid) => !alive(pid)), "the servers to die");
    expect(JSON.parse(await readFile(pidFile, "utf8"))).toEqual([]);
  });

  it("servers left behind by a receiver killed with SIGKILL are reaped by the next one", async () => {
    const pidFile = join(app.dir, "pids.json");
    const child = await startReceiver(pidFile);

    child.kill("SIGKILL");
    await once(child, "exit");
    expect(serverPids.map(alive)).toEqual([true, true]);

    expect(await reapStale(pidFile)).toBe(2);
    await waitFor(() => serverPids.every((pid) => !alive(pid)), "the servers to die");
  });
});

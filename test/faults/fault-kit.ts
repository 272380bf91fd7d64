// What the fault tests share: deploying a build, reading the status, and finding the
// server processes a receiver started (or left behind when it was SIGKILLed).
import { chmodSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { expect } from "vitest";
import { reapStale } from "../../receiver/pool/reap.js";
import type { AppStatus, StepEvent, StreamEvent } from "../../receiver/protocol.js";
import { call } from "../helpers/api-client.js";
import { appScript, type AppBehaviour } from "../helpers/app-script.js";
import type { ReceiverProcess } from "../helpers/receiver-process.js";
import { mint } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import type { Workspace } from "../helpers/workspace.js";

// Real receivers and servers on a shared 2-core machine: generous time per test.
export const SLOW = { timeout: 120_000 };

/** Deploys a build file through the API, as the action does. */
export { deploy } from "../helpers/deploy.js";

/** GET /v1/apps/webdemo with a status token. */
export async function appStatus(rx: ReceiverProcess): Promise<AppStatus> {
  const r = await call(rx.api, "/v1/apps/webdemo", { token: await mint({ op: "status" }) });
  if (r.status !== 200) throw new Error(`status answered ${r.status}: ${JSON.stringify(r.json)}`);
  return r.json as AppStatus;
}

/** What GET / on the gate answers, e.g. "v1". */
export async function gateAnswer(rx: ReceiverProcess): Promise<string> {
  const res = await fetch(`${rx.gate()}/`);
  return `${res.status} ${(await res.text()).trim()}`;
}

export const steps = (events: StreamEvent[]): StepEvent[] =>
  events.filter((e): e is StepEvent => e.type === "step");

/** The stream's steps as "name:state", e.g. "hold:done". */
export const stepTrail = (events: StreamEvent[]): string[] =>
  steps(events).map((e) => `${e.step}:${e.state}`);

/** What a swap left beside exeFile (aside, incoming or restore copies): nothing, if whole. */
export const swapDebris = (ws: Workspace): string[] =>
  readdirSync(dirname(ws.exeFile)).filter((name) => name.includes(".hotswap-"));

/** The pid file the receiver keeps of its servers. */
export const serversJson = (ws: Workspace) => join(ws.data, "apps", "webdemo", "servers.json");

/** The pids the receiver has on record in servers.json. */
export function recordedPids(ws: Workspace): number[] {
  try {
    const list = JSON.parse(readFileSync(serversJson(ws), "utf8")) as { pid: number }[];
    return list.map((r) => r.pid);
  } catch {
    return [];
  }
}

// For afterEach: SIGTERM, and SIGKILL if the receiver has not exited within `ms`
// (a receiver stuck in a swap must not outlive the test); reapLeftovers then stops
// the servers it leaves.
export async function shutDown(rx: ReceiverProcess | undefined, ms = 40_000): Promise<void> {
  if (!rx) return;
  await within(rx.stop(), ms, "the receiver's stop").catch(() => rx.kill());
}

// After the test's receivers are stopped: stops whatever the pid file still lists
// (the servers of a receiver that was SIGKILLed and not followed), then anything else
// still running this workspace's exeFile (orphans a broken recovery lost track of).
// The workspace is a fresh temp folder, so nothing of anyone else matches.
export async function reapLeftovers(ws: Workspace | undefined): Promise<void> {
  if (!ws) return;
  await reapStale(serversJson(ws));
  for (const pid of processesRunning(ws.exeFile)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  await waitFor(() => processesRunning(ws.exeFile).length === 0, "leftover servers to go");
}

import { alive } from "../helpers/alive.mjs";

export { alive };

// Every live process on this machine that runs `exe` (as the program or, for a
// script, as its interpreter's argument), whoever started it: what `pgrep -f` would
// find, without its pattern pitfalls.
export function processesRunning(exe: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
    } catch {
      continue; // gone meanwhile
    }
    if (argv.includes(exe) && alive(Number(name))) pids.push(Number(name));
  }
  return pids.sort((a, b) => a - b);
}

// Waits until exactly `pids` run `exe` (a versionCommand run may be passing through),
// and fails with the processes that do when that does not happen.
export async function expectOnlyRunning(exe: string, pids: number[]): Promise<void> {
  const want = [...pids].sort((a, b) => a - b);
  const same = () => JSON.stringify(processesRunning(exe)) === JSON.stringify(want);
  await waitFor(same, `only ${want.join(", ")} to run ${exe}`).catch(() => undefined);
  expect(processesRunning(exe)).toEqual(want);
}

export interface FaultyBehaviour extends AppBehaviour {
  /** Serve, then exit with code 7 this long after listening (a crash on a timer). */
  dieAfterMs?: number;
  /** Exit with code 3 at start while this file exists (a build that breaks later). */
  crashIfExists?: string;
}

// The test app of app-script.ts, with two more ways to fail that it does not have.
export function writeFaultyApp(path: string, b: FaultyBehaviour): string {
  const script = appScript(b);
  const newline = script.indexOf("\n");
  const before: string[] = [];
  const after: string[] = [];
  if (b.crashIfExists !== undefined) {
    const marker = JSON.stringify(b.crashIfExists);
    before.push(
      `if (!process.argv.includes("--version") && require("node:fs").existsSync(${marker})) {`,
      `  console.error("${b.version}: broken at start, exiting with 3"); process.exit(3);`,
      `}`,
    );
  }
  if (b.dieAfterMs !== undefined) {
    after.push(
      `server.on("listening", () => setTimeout(() => {`,
      `  console.error("${b.version}: dying after ${b.dieAfterMs} ms"); process.exit(7);`,
      `}, ${b.dieAfterMs}));`,
    );
  }
  const text = [
    script.slice(0, newline),
    ...before,
    script.slice(newline + 1).trimEnd(),
    ...after,
    "",
  ].join("\n");
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

/** Rejects with `what` when `promise` takes longer than `ms`: the bound of a wait, not a timing. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not end within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

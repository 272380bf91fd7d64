// What the gate-safety tests share: a workspace whose app is gate-app.ts, a receiver on
// it per test, the app's status, a WebSocket client that records what happened to it,
// and clean-up.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { WebSocket } from "undici";
import { afterEach } from "vitest";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { createWorkspace, type Workspace, type WorkspaceOptions } from "../helpers/workspace.js";
import { reapLeftovers, shutDown } from "../faults/fault-kit.js";
import { writeGateApp, type GateAppBehaviour } from "./gate-app.js";

/** GET /v1/apps/webdemo with a status token. */
export { appStatus } from "../faults/fault-kit.js";

// Real receivers and servers on a small shared machine: generous bounds per test.
export const SLOW = { timeout: 90_000 };

export interface GateWorkspace extends Workspace {
  /** Where the app writes a line for each run of POST /reset or GET /report. */
  executions: string;
  /** Writes a build of gate-app.ts in builds/ and returns its path. */
  build(version: string, behaviour?: Partial<GateAppBehaviour>): string;
}

// The helpers' workspace (deploy/, .hotswap/, hotswap.yaml with ephemeral ports), with
// gate-app.ts as v1 unless `v1` is null.
export function gateWorkspace(
  options: Omit<WorkspaceOptions, "v1"> & { v1?: Partial<GateAppBehaviour> | null } = {},
): GateWorkspace {
  const { v1, ...rest } = options;
  const ws = createWorkspace({ ...rest, v1: null });
  const executions = join(ws.dir, "executions.log");
  const build = (version: string, behaviour: Partial<GateAppBehaviour> = {}) =>
    writeGateApp(join(ws.dir, "builds", version), {
      version,
      executionsFile: executions,
      ...behaviour,
    });
  if (v1 !== null) {
    writeGateApp(ws.exeFile, { version: "v1", executionsFile: executions, ...v1 });
  }
  return { ...ws, executions, build };
}

/** For afterEach: stop the receiver (SIGKILL if it hangs), its servers, the folder. */
export async function tearDown(rx?: ReceiverProcess, ws?: Workspace): Promise<void> {
  await shutDown(rx);
  await reapLeftovers(ws);
  if (ws) rmSync(ws.dir, { recursive: true, force: true });
}

/**
 * For a describe block whose tests each start one receiver: the function it returns
 * makes a gateWorkspace with these options and starts a receiver on it, and after each
 * test both are torn down (tearDown), whether the test passed or not.
 */
export function receiverPerTest(): (
  options?: Parameters<typeof gateWorkspace>[0],
) => Promise<{ ws: GateWorkspace; rx: ReceiverProcess }> {
  let ws: GateWorkspace | undefined;
  let rx: ReceiverProcess | undefined;
  afterEach(async () => {
    await tearDown(rx, ws);
    ws = rx = undefined;
  }, SLOW.timeout);
  return async (options) => {
    const w = (ws = gateWorkspace(options));
    return { ws: w, rx: (rx = await startReceiver(w.configFile)) };
  };
}

export interface SocketLog {
  ws: WebSocket;
  /** Every text message, in order. */
  messages: string[];
  /** performance.now() of the open, and of the close with its code. */
  openedAt?: number;
  closed?: { at: number; code: number };
  error?: string;
}

/** Opens a WebSocket and records its messages, its close and any error. */
export function openSocket(url: string): SocketLog {
  const ws = new WebSocket(url);
  const log: SocketLog = { ws, messages: [] };
  ws.addEventListener("open", () => (log.openedAt = performance.now()));
  ws.addEventListener("message", (e) => log.messages.push(String(e.data)));
  ws.addEventListener("error", (e) => (log.error ??= `${String(e.error ?? e.type)} ${e.message}`));
  ws.addEventListener("close", (e) => (log.closed = { at: performance.now(), code: e.code }));
  return log;
}

/** Latency figures of a set of samples, in ms. */
export function latencies(values: number[]): { count: number; p99?: number; max?: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const p99 = sorted[Math.max(0, Math.ceil(0.99 * sorted.length) - 1)];
  return { count: sorted.length, p99, max: sorted.at(-1) };
}

/** What the receiver found worth a warning, repeats counted once, for a test's output. */
export function receiverWarnings(rx: ReceiverProcess, max = 12): string {
  const counts = new Map<string, number>();
  for (const line of rx.logs) {
    const m = /^\S+ (warn|error) +(.*)$/.exec(line);
    if (m) counts.set(`${m[1]} ${m[2]}`, (counts.get(`${m[1]} ${m[2]}`) ?? 0) + 1);
  }
  const lines = [...counts].slice(0, max).map(([l, n]) => (n > 1 ? `${l} (×${n})` : l));
  return lines.length ? `receiver warnings:\n  ${lines.join("\n  ")}` : "";
}

export const ms = (x: number | undefined): string => (x === undefined ? "-" : x.toFixed(0));

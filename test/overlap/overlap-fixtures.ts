// What the overlap tests share: a deploy through the API, the steps it reported, and
// the servers each pool lists in its pid file (servers.json, servers-next.json).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AppStatus, StepEvent, StreamEvent } from "../../receiver/protocol.js";
import { call } from "../helpers/api-client.js";
import type { ReceiverProcess } from "../helpers/receiver-process.js";
import { mint } from "../helpers/tokens.js";

export const PID_FILES = ["servers.json", "servers-next.json"];

export { deploy } from "../helpers/deploy.js";

/** What GET /v1/apps/webdemo answers. */
export async function appStatus(rx: ReceiverProcess): Promise<AppStatus> {
  const token = await mint({ op: "status" });
  return (await call(rx.api, "/v1/apps/webdemo", { token })).json as AppStatus;
}

/**
 * The gate's hotswap_gate_held_requests_total from GET /metrics: every request that
 * ever waited in the hold queue (for a hold, or for a server to come up).
 */
export async function heldTotal(rx: ReceiverProcess): Promise<number> {
  const text = await (await fetch(`${rx.api}/metrics`)).text();
  const line = text
    .split("\n")
    .find((l) => l.startsWith('hotswap_gate_held_requests_total{app="webdemo"} '));
  if (line === undefined) throw new Error(`no hotswap_gate_held_requests_total in:\n${text}`);
  return Number(line.split(" ").at(-1));
}

/** The steps that ended well, in order. */
export const stepsDone = (events: StreamEvent[]) =>
  events.filter((e): e is StepEvent => e.type === "step" && e.state === "done").map((e) => e.step);

/** The servers listed in one pool's pid file (none if it does not exist). */
export function listed(data: string, pidFile: string): { pid: number; exe: string }[] {
  try {
    return JSON.parse(readFileSync(join(data, "apps", "webdemo", pidFile), "utf8")) as {
      pid: number;
      exe: string;
    }[];
  } catch {
    return [];
  }
}

/** Every server either pool lists. */
export const listedPids = (data: string) =>
  PID_FILES.flatMap((file) => listed(data, file).map((s) => s.pid));

// Running, and not a zombie: a server whose receiver was SIGKILLed may linger as one.
export function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

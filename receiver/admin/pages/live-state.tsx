import type { ServerStatus } from "../../protocol.js";
import type { AppRuntime } from "../../runtime/app-runtime.js";
import { ADMIN_BASE } from "../admin-env.js";
import type { RateMeter } from "../rate-meter.js";
import { GateCard } from "./gate-card.js";
import { ServersTable } from "./servers-table.js";

/** One app's gate and servers as they are now: the live feed's "state" event. */
export interface LiveState {
  app: string;
  /** The gate card and the servers table, drawn as the dashboard draws them. */
  gate: string;
  servers: string;
  /** The last health answer of each server still starting ("#0 connection refused"), for a reload's step line. */
  probing?: string;
}

// What changes under load and during a deploy, read from memory only (no file, no
// versionCommand), so the feed can send it every second: the page swaps these two parts
// in and leaves the rest (versions, releases, history) to its refresh after the result.
export async function liveState(
  rt: AppRuntime,
  meter: RateMeter,
  csrf: string,
): Promise<LiveState> {
  const app = rt.config.name;
  const base = `${ADMIN_BASE}/apps/${encodeURIComponent(app)}`;
  const view = { gate: rt.gate.stats(), rate: meter.perSecond(app), busyWith: rt.lock.busyWith };
  const servers = rt.pool.status();
  const probing = probeText([...servers, ...(rt.pools.beside?.status() ?? [])]);
  return {
    app,
    gate: String(await (<GateCard view={view} csrf={csrf} base={base} />).toString()),
    servers: String(await (<ServersTable servers={servers} />).toString()),
    ...(probing ? { probing } : {}),
  };
}

function probeText(servers: ServerStatus[]): string | undefined {
  const starting = servers.filter((s) => s.state === "starting" && s.lastHealth);
  if (starting.length === 0) return undefined;
  return starting.map((s) => `#${s.instance} ${s.lastHealth!.message}`).join(" · ");
}

import type { PoolEvents } from "./pool-spec.js";
import type { Server } from "./server.js";

export interface RecheckOptions {
  healthTimeoutMs: number;
  signal: AbortSignal;
  events: PoolEvents;
}

// The gate failed to reach a server it thought healthy. Stop sending it requests at
// once, then find out: back in rotation if it answers within the health timeout,
// otherwise stop it so keepAlive restarts it. A dead process needs nothing here:
// keepAlive already sees its exit.
export async function recheck(server: Server, options: RecheckOptions): Promise<void> {
  const { healthTimeoutMs, signal, events } = options;
  if (server.state !== "healthy") return;
  server.state = "starting";
  server.lastHealth = {
    ok: false,
    at: new Date().toISOString(),
    message: "gate could not connect",
  };
  events.targetsChanged();
  const healthySince = server.healthySince;
  try {
    await server.becomeHealthy(healthTimeoutMs, signal);
    server.healthySince = healthySince; // the same process: its backoff clock runs on
    events.targetsChanged();
  } catch (error) {
    if (signal.aborted || server.state !== "starting" || !server.alive) return;
    events.log("warn", `server #${server.instance} ${(error as Error).message}; restarting it`);
    await server.stop();
  }
}

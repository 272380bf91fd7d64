import { setTimeout as sleep } from "node:timers/promises";
import { describeExit } from "./exit.js";
import type { PoolEvents } from "./pool-spec.js";
import type { Server } from "./server.js";

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;
/** A server healthy this long has earned a fresh backoff when it next crashes. */
const STABLE_MS = 60_000;

export interface KeepAliveOptions {
  /** What a restart runs: the pool's exe, or the one it is pinned to (Pool.pin). */
  exe: () => string;
  healthTimeoutMs: number;
  /** Aborted by Pool.stop: no restarts after it. */
  signal: AbortSignal;
  events: PoolEvents;
}

// A server that dies after it was healthy must come back without anyone asking, but
// a server that dies at once must not be restarted in a tight loop: restart with a
// delay that doubles up to 30 s and starts over once the server has stayed up 60 s.
export async function keepAlive(server: Server, options: KeepAliveOptions): Promise<void> {
  const { exe, healthTimeoutMs, signal, events } = options;
  const name = `server #${server.instance}`;
  let delayMs = FIRST_DELAY_MS;
  for (;;) {
    const exit = await server.exited;
    if (signal.aborted) return;
    const wasHealthy = server.state === "healthy";
    server.state = "crashed";
    if (server.healthySince && Date.now() - server.healthySince >= STABLE_MS) {
      delayMs = FIRST_DELAY_MS;
    }
    server.healthySince = 0; // until a restart gets healthy, nothing has been stable
    events.log("warn", `${name} ${describeExit(exit)}; restarting in ${delayMs} ms`);
    if (wasHealthy) events.targetsChanged();
    try {
      await sleep(delayMs, undefined, { signal });
    } catch {
      return; // the pool is stopping
    }
    delayMs = Math.min(delayMs * 2, MAX_DELAY_MS);
    server.restarts++;
    events.restarted?.();
    server.launch(exe());
    try {
      await server.becomeHealthy(healthTimeoutMs, signal);
      events.log("info", `${name} restarted and healthy on port ${server.port}`);
      events.targetsChanged();
    } catch (error) {
      if (signal.aborted) return;
      // A process that died is reported by the loop; one that lives but never got
      // healthy is stopped here, and the loop restarts it.
      if (!server.alive) continue;
      events.log("warn", `${name} ${(error as Error).message}`);
      await server.stop();
    }
  }
}

import type { Pool } from "../pool/pool.js";

const POLL_MS = 50;

// A build can pass its health check and die seconds later (a crash on the first
// real request, a background job that fails). For `ms` after the hold is
// released, any server that exits or restarts makes the build unstable: the
// answer is the reason, or undefined if all stayed up.
export async function watchSettle(pool: Pool, ms: number): Promise<string | undefined> {
  const before = new Map(pool.status().map((s) => [s.instance, s.restarts]));
  const deadline = Date.now() + ms;
  for (;;) {
    for (const server of pool.status()) {
      if (server.state === "crashed" || server.restarts > (before.get(server.instance) ?? 0)) {
        return `server #${server.instance} stopped within health.settle (${ms} ms) after it was healthy`;
      }
    }
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, Math.min(POLL_MS, deadline - Date.now())));
  }
}

import type { SwapContext } from "./swap-parts.js";

// Requests in flight finish before their servers stop (Guarantee 2), up to
// drainTimeout; past it the servers stop anyway, and the log says so. `origins`
// narrows the wait to some servers (the old ones, while the new ones serve).
// True if every request finished.
export async function drainRequests(cx: SwapContext, origins?: string[]): Promise<boolean> {
  const { app, gate, emit } = cx;
  const ms = app.drainTimeoutMs;
  const idle = origins ? await gate.drainOrigins(origins, ms) : await gate.drain(ms);
  if (!idle) {
    const message = `requests still in flight after drainTimeout (${ms} ms); stopping anyway`;
    emit({ type: "log", level: "warn", message });
  }
  return idle;
}

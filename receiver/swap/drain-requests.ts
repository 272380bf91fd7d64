import type { SwapContext } from "./swap-parts.js";

// Requests in flight finish before their servers stop (docs/design.md, guarantee 2), up to
// drainTimeout; past it what is left (long polls, event streams, WebSockets) is cut,
// so one long-lived answer cannot stretch a hold, and the log says so. `origins`
// narrows the wait to some servers (the old ones, while the new ones serve).
// True if every request finished.
export async function drainRequests(cx: SwapContext, origins?: string[]): Promise<boolean> {
  const { app, gate, emit } = cx;
  const ms = app.drainTimeoutMs;
  const idle = await gate.drain(ms, origins);
  if (!idle) {
    const cut = gate.cut(origins);
    const message = `${cut} request(s) or connection(s) still open after drainTimeout (${ms} ms): cut them`;
    emit({ type: "log", level: "warn", message });
  }
  return idle;
}

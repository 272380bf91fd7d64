import { describeExit, type Exit } from "./exit.js";
import { probeHealth, type Probe } from "./probe-health.js";

export interface WaitHealthyOptions {
  port: number;
  /** Where the server listens (default loopback; socket mode: the gate's address). */
  host?: string;
  path?: string;
  timeoutMs: number;
  /** Settles when the server process is gone. */
  exited: Promise<Exit>;
  /** Ends the wait early (the pool is stopping, or a sibling failed). */
  signal: AbortSignal;
  /** Sees every probe, for status(). */
  onProbe(probe: Probe): void;
}

/** Requests are on hold while a new server starts: poll fast at first, then ease off. */
const REFUSED_POLL_MS = 2;
const FAST_POLL_MS = 10;
const FAST_FOR_MS = 2000;
const POLL_MS = 100;
const PROBE_TIMEOUT_MS = 2000;
/** Even the last probe before the deadline gets long enough to hear a real answer. */
const MIN_PROBE_TIMEOUT_MS = 250;

// A started server is only useful once it answers, and a deploy should learn as soon
// as possible that it never will: poll often, and stop at once when the process
// dies or the caller gives up. Rejects with an Error whose message is the reason,
// worded to follow "server #N ".
export async function waitHealthy(options: WaitHealthyOptions): Promise<void> {
  const { port, host, path, timeoutMs, exited, signal, onProbe } = options;
  const started = Date.now();
  const deadline = started + timeoutMs;
  let exit: Exit | undefined;
  let wake = () => {};
  void exited.then((e) => {
    exit = e;
    wake();
  });
  const onAbort = () => wake();
  signal.addEventListener("abort", onAbort);
  try {
    for (;;) {
      signal.throwIfAborted();
      if (exit) {
        throw new Error(
          exit.error ? describeExit(exit) : `${describeExit(exit)} before it was healthy`,
        );
      }
      const remaining = deadline - Date.now();
      const probeMs = Math.min(PROBE_TIMEOUT_MS, Math.max(MIN_PROBE_TIMEOUT_MS, remaining));
      const probe = await probeHealth(port, path, probeMs, host);
      onProbe(probe);
      signal.throwIfAborted(); // stopped while the probe was out: not healthy after all
      if (probe.ok) return;
      if (Date.now() >= deadline && !exit) {
        throw new Error(`not healthy after ${timeoutMs} ms: ${probe.message}`);
      }
      // Sleep until the next probe, but wake at once for an exit or an abort.
      await new Promise<void>((resolve) => {
        // Socket mode: the refuser shares the accept queue with the server; the next
        // connection may well reach the server, so ask again at once.
        const pause = probe.refused
          ? REFUSED_POLL_MS
          : Date.now() - started < FAST_FOR_MS
            ? FAST_POLL_MS
            : POLL_MS;
        const timer = setTimeout(resolve, pause);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

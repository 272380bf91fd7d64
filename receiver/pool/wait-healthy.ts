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
/** The same definite answer this many times in a row fails the server at once. */
export const DEFINITE_PROBES = 3;
/** After a definite answer, the next probe waits this long: a router that answers 404 for a moment while it loads gets time to finish. */
const DEFINITE_POLL_MS = 500;

// Answers that say the server is up and will not turn healthy by waiting: the health
// path is wrong, missing from the build, or behind a login. 5xx (503 "starting") and
// connection refused while the process runs mean "not ready yet" and are waited for.
const DEFINITE: Record<number, string> = {
  401: "the path asks for credentials; set health.path to one that answers 2xx without them",
  403: "the path is forbidden to the receiver; set health.path to one that answers 2xx without credentials",
  404: "the path is wrong or the build lacks it; set health.path to a path the server answers 2xx on once it is ready",
  405: "the path does not take GET; set health.path to one that answers GET with 2xx",
  410: "the path is gone from the build; set health.path to a path the server answers 2xx on once it is ready",
};

// A started server is only useful once it answers, and a deploy should learn as soon
// as possible that it never will: poll often, and stop at once when the process
// dies, the caller gives up, or the server gives the same definite answer (404, 401,
// 403, 405, 410) DEFINITE_PROBES times in a row. Rejects with an Error whose message is the reason,
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
  /** How many probes in a row gave the same definite answer, and its status. */
  let streak = 0;
  let streakStatus: number | undefined;
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
      const why = probe.status === undefined ? undefined : DEFINITE[probe.status];
      streak = why === undefined ? 0 : probe.status === streakStatus ? streak + 1 : 1;
      streakStatus = probe.status;
      if (streak >= DEFINITE_PROBES && !exit) {
        throw new Error(
          `failed its health check: ${probe.message} ${streak} times in a row, which waiting does not change: ${why}`,
        );
      }
      if (Date.now() >= deadline && !exit) {
        throw new Error(`not healthy after ${timeoutMs} ms: ${probe.message}`);
      }
      // Sleep until the next probe, but wake at once for an exit or an abort.
      await new Promise<void>((resolve) => {
        // Socket mode: the refuser shares the accept queue with the server; the next
        // connection may well reach the server, so ask again at once.
        const pause = probe.refused
          ? REFUSED_POLL_MS
          : streak > 0
            ? Math.max(0, Math.min(DEFINITE_POLL_MS, deadline - Date.now()))
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

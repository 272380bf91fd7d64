import type { Exit } from "./exit.js";
import { askToStop, forceStop } from "./kill.js";
import type { RunningServer } from "./spawn-server.js";

// Stopping a server must end, even when the server ignores SIGTERM, and must not
// leave a SIGKILL timer behind to hit a recycled pid after the server is gone. So:
// ask, force after the timeout (at once when the server cannot be asked: a Windows
// console server), and let the child's exit cancel whatever is pending.
// `ask`, when given (config stopPath), is tried first: a server that answers it is
// waited for as one that took the signal; one that does not is asked the platform's way.
export async function stopChild(
  { child, exited }: RunningServer,
  stopTimeoutMs: number,
  ask?: () => Promise<boolean>,
): Promise<Exit & { forced?: boolean; cannotAsk?: boolean }> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return exited;
  const controller = new AbortController();
  let forced = false;
  let cannotAsk = false;
  const force = () => {
    if (controller.signal.aborted) return;
    forced = true;
    forceStop(pid);
  };
  const timer = setTimeout(force, stopTimeoutMs);
  controller.signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
  try {
    if (!(ask && (await ask()))) askToStop(pid, undefined, () => ((cannotAsk = true), force()));
    return { ...(await exited), forced, cannotAsk };
  } finally {
    controller.abort();
  }
}

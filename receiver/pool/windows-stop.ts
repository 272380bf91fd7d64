import type { KillDeps } from "./kill.js";

// Stopping a server on Windows, where there are no signals (libuv turns every one into
// TerminateProcess). The only polite request a process outside our console can get is
// WM_CLOSE to its windows, which `taskkill /pid N /t` sends and a windowed server (a
// FoxPro exe, any GUI server) cleans up on. A console server has no window: taskkill
// answers "can only be terminated forcefully" (exit 1) and nothing was asked, so waiting
// stopTimeout for it to leave would only delay the swap. The gate has drained the
// server by then, so forcing it at once loses no request.

/** taskkill's exit status for "no such process". */
const NO_SUCH_PROCESS = 128;

// Asks the server's windows to close. True when taskkill delivered the request (wait for
// the server to leave, then force); false when asking is impossible (no window, no such
// process, taskkill missing or refusing): the caller forces at once.
export async function askWindowsServer(pid: number, deps: KillDeps): Promise<boolean> {
  return (await deps.start("taskkill", ["/pid", String(pid), "/t"])) === 0;
}

// Ends the server and its children at once; false when it was already gone. `/t` takes
// the tree; a taskkill that does not know `/t` (Wine's) still ends the server itself;
// when taskkill cannot run or is refused, TerminateProcess (Node's process.kill).
export function forceWindowsServer(pid: number, deps: KillDeps): boolean | undefined {
  for (const args of [
    ["/pid", String(pid), "/t", "/f"],
    ["/pid", String(pid), "/f"],
  ]) {
    const status = deps.run("taskkill", args);
    if (status === 0) return true;
    if (status === NO_SUCH_PROCESS) return false;
  }
  return undefined; // taskkill could not do it: the caller falls back to TerminateProcess
}

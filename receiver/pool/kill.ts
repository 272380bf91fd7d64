import { spawn, spawnSync } from "node:child_process";

// The only place that stops processes. POSIX gets signals. Windows has none
// (Node maps every signal to TerminateProcess there), so a polite stop is
// `taskkill /pid N /t`, which asks the process tree to close (WM_CLOSE, as a
// user closing its windows would; FoxPro and GUI servers clean up on it), and a
// forced one is `taskkill /pid N /t /f`, which also takes the servers' children.

export interface KillDeps {
  platform: NodeJS.Platform;
  /** Starts a command and does not wait for it (polite stop). */
  start(command: string, args: string[]): void;
  /** Runs a command to its end (forced stop: must be done before the receiver exits). */
  run(command: string, args: string[]): number | null;
  signal(pid: number, name: NodeJS.Signals): void;
}

/** The real ones: Node's spawn, spawnSync and process.kill on this machine's PATH. */
export const system: KillDeps = {
  platform: process.platform,
  start: (command, args) =>
    void spawn(command, args, { stdio: "ignore", windowsHide: true }).on("error", () => {}),
  run: (command, args) => spawnSync(command, args, { stdio: "ignore", windowsHide: true }).status,
  signal: (pid, name) => process.kill(pid, name),
};

// A server deserves the chance to finish its requests and clean up before it goes.
export function askToStop(pid: number, deps: KillDeps = system): boolean {
  if (deps.platform === "win32") {
    deps.start("taskkill", ["/pid", String(pid), "/t"]);
    return true;
  }
  return signal(deps, pid, "SIGTERM");
}

// A server that ignores the polite request, or a receiver that is exiting right now,
// must not leave a process behind.
export function forceStop(pid: number, deps: KillDeps = system): boolean {
  if (deps.platform === "win32") {
    // 128: no such process. Anything else failing falls back to TerminateProcess.
    const status = deps.run("taskkill", ["/pid", String(pid), "/t", "/f"]);
    if (status === 0) return true;
    if (status === 128) return false;
  }
  return signal(deps, pid, "SIGKILL");
}

// A process that is already gone is not an error for a caller that wants it gone.
function signal(deps: KillDeps, pid: number, name: NodeJS.Signals): boolean {
  try {
    deps.signal(pid, name);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

import { spawn, spawnSync } from "node:child_process";
import { askWindowsServer, forceWindowsServer } from "./windows-stop.js";

// The only place that stops processes. POSIX gets signals. Windows has none
// (Node maps every signal to TerminateProcess there): windows-stop.ts asks with
// `taskkill /pid N /t` (WM_CLOSE, which only a windowed server can get) and forces
// with `taskkill /pid N /t /f`, which also takes the servers' children.

export interface KillDeps {
  platform: NodeJS.Platform;
  /** Starts a command; resolves with its exit status (null: it could not run). */
  start(command: string, args: string[]): Promise<number | null>;
  /** Runs a command to its end (forced stop: must be done before the receiver exits). */
  run(command: string, args: string[]): number | null;
  signal(pid: number, name: NodeJS.Signals): void;
}

/** The real ones: Node's spawn, spawnSync and process.kill on this machine's PATH. */
export const system: KillDeps = {
  platform: process.platform,
  start: (command, args) =>
    new Promise((resolve) => {
      const child = spawn(command, args, { stdio: "ignore", windowsHide: true });
      child.once("error", () => resolve(null)).once("exit", (code) => resolve(code));
    }),
  run: (command, args) => spawnSync(command, args, { stdio: "ignore", windowsHide: true }).status,
  signal: (pid, name) => process.kill(pid, name),
};

// A server deserves the chance to finish its requests and clean up before it goes.
// Returns at once; on Windows `cannotAsk` is called when the server could not be asked
// (a console server has no window to close), so the caller forces it without waiting.
export function askToStop(
  pid: number,
  deps: KillDeps = system,
  cannotAsk: () => void = () => {},
): boolean {
  if (deps.platform === "win32") {
    void askWindowsServer(pid, deps).then((asked) => asked || cannotAsk());
    return true;
  }
  return signal(deps, pid, "SIGTERM");
}

// A server that ignores the polite request, or a receiver that is exiting right now,
// must not leave a process behind.
export function forceStop(pid: number, deps: KillDeps = system): boolean {
  if (deps.platform === "win32") {
    const ended = forceWindowsServer(pid, deps);
    if (ended !== undefined) return ended;
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

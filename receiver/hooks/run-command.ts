import { spawn } from "node:child_process";
import { isAbsolute, resolve } from "node:path";
import type { Exit } from "../pool/exit.js";
import { forceStop } from "../pool/kill.js";
import { trackChild } from "../pool/live-children.js";
import type { OutputRing } from "../pool/output-ring.js";
import { stopTree } from "./stop-tree.js";

export interface CommandOptions {
  cwd: string;
  env: Record<string, string>;
  /** Aborted: the command and every process it started are stopped (stop-tree.ts). */
  stop: AbortSignal;
  /** Splits, cuts and neutralises stdout and stderr, and keeps the last lines. */
  output: OutputRing;
  /** Where it is recorded while it runs, so a receiver started after a SIGKILL stops it. */
  pidFile?: string;
}

/** After the exit, wait this long at most for the pipes to deliver the last output. */
const OUTPUT_GRACE_MS = 1000;

// One hook command, the way a deploy step should run: no shell (an argv cannot be
// misquoted), stdin closed (a prompt fails at once instead of hanging to the timeout),
// a relative path with a slash taken from the release folder, a bare name from PATH.
// Ends with the command's exit, its output read, and nothing it started left running.
// A command that cannot be started ends with Exit.error, the spawn error as it came.
export async function runCommand(argv: readonly string[], o: CommandOptions): Promise<Exit> {
  const [program = "", ...args] = argv;
  const file = isAbsolute(program) || !/[\\/]/.test(program) ? program : resolve(o.cwd, program);
  const child = spawn(file, args, {
    cwd: o.cwd,
    env: o.env,
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so a cut takes its children too (not on Windows: there
    // it would open a console window, and taskkill /t takes the tree anyway).
    detached: process.platform !== "win32",
    windowsHide: true,
  });
  const pid = child.pid;
  if (pid === undefined) {
    return new Promise((done) =>
      child.once("error", (error) => done({ code: null, signal: null, error })),
    );
  }
  const startedAt = new Date().toISOString();
  // The receiver's exit handler kills it with the servers if the receiver goes first.
  const untrack = trackChild(child, {
    record: {
      pid,
      exe: file,
      startedAt,
      instance: 0,
      port: 0,
      group: process.platform !== "win32",
    },
    pidFile: o.pidFile,
    warn: () => {},
    group: process.platform !== "win32",
  });
  o.output.follow(child.stdout, "stdout");
  o.output.follow(child.stderr, "stderr");
  const closed = new Promise<void>((done) => child.once("close", () => done()));
  const exited = new Promise<Exit>((done) =>
    child.once("exit", (code, signal) => done({ code, signal })),
  );
  const cut = () => void stopTree(pid, exited);
  o.stop.addEventListener("abort", cut, { once: true });
  if (o.stop.aborted) cut();
  const exit = await exited;
  // Gone: from now on its pid may be someone else's, so nothing may signal it any more.
  o.stop.removeEventListener("abort", cut);
  const forgotten = untrack();
  killLeftovers(pid);
  let grace: NodeJS.Timeout | undefined;
  await Promise.race([
    closed,
    new Promise((later) => (grace = setTimeout(later, OUTPUT_GRACE_MS))),
  ]);
  clearTimeout(grace);
  // Still open: something outside the group holds the pipes (Windows, or setsid).
  child.stdout.destroy();
  child.stderr.destroy();
  await forgotten;
  return exit;
}

// A hook that exits but leaves a process in its group (`sleep 1000 &`) would hold the
// output pipes open and outlive the release it ran for: a hook is a step, not a
// daemon (a service it means to start belongs to systemd), so what stays gets SIGKILL.
// Only on POSIX, and only right after the exit, while the group id is still the hook's:
// on Windows a finished hook's pid may be someone else's already, and taskkill /t would
// take that tree.
function killLeftovers(pid: number): void {
  if (process.platform === "win32") return;
  try {
    forceStop(-pid);
  } catch {
    // EPERM: a member changed its user (setuid); nothing more the receiver can do.
  }
}

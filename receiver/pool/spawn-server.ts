import { spawn, type ChildProcess } from "node:child_process";
import { inheritSocket, type SharedSocket } from "../gate/socket/shared-socket.js";
import type { Exit } from "./exit.js";
import { trackChild } from "./live-children.js";
import type { OutputRing } from "./output-ring.js";

export interface SpawnOptions {
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  instance: number;
  port: number;
  output: OutputRing;
  pidFile?: string;
  warn(message: string): void;
  /** Socket mode: the gate's socket, which the server accepts on as fd 3. */
  socket?: SharedSocket;
}

/** One run of a server: the process and the promise that it is gone. */
export interface RunningServer {
  child: ChildProcess;
  exited: Promise<Exit>;
  startedAt: Date;
}

/** After exit, wait this long at most for the pipes to deliver the last output. */
const OUTPUT_GRACE_MS = 200;

// Node reports a process's end in three events (error, exit, close) that arrive in
// different orders for different failures; callers need one promise that always
// settles, with the last output lines already read and the child out of the registry
// and off the pid file.
export function spawnServer(exe: string, options: SpawnOptions): RunningServer {
  const { args, cwd, env, instance, port, output, pidFile, warn, socket } = options;
  // Socket mode: sh sets LISTEN_PID to the server's own pid and execs it (same pid, so
  // the pid file's record and its command line are the server's).
  const how = socket && inheritSocket(socket, exe, args);
  const child = spawn(how?.command ?? exe, how?.args ?? args, {
    cwd,
    env: how ? { ...env, ...how.env } : env,
    stdio: how ? ["ignore", "pipe", "pipe", how.fd] : ["ignore", "pipe", "pipe"],
    windowsHide: true,
  });
  const startedAt = new Date();
  output.follow(child.stdout!, "stdout"); // both are pipes, whichever stdio was given
  output.follow(child.stderr!, "stderr");
  const record = { pid: child.pid ?? 0, exe, startedAt: startedAt.toISOString(), instance, port };
  const untrack =
    child.pid === undefined ? async () => {} : trackChild(child, { record, pidFile, warn });
  const exited = new Promise<Exit>((resolve) => {
    child.on("error", (error) => {
      if (child.pid === undefined) resolve({ code: null, signal: null, error });
    });
    child.once("exit", (code, signal) => {
      const forgotten = untrack();
      const closed = new Promise<void>((settle) => {
        const grace = setTimeout(settle, OUTPUT_GRACE_MS);
        child.once("close", () => {
          clearTimeout(grace);
          settle();
        });
      });
      void Promise.all([forgotten, closed]).then(() => resolve({ code, signal }));
    });
  });
  return { child, exited, startedAt };
}

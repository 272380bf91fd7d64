import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { waitFor } from "./wait-for.js";
import { receiverEnv } from "./workspace.js";

export const RECEIVER_CLI = resolve("dist/receiver/cli.mjs");

export interface ReceiverProcess {
  child: ChildProcess;
  /** http://127.0.0.1:PORT of the API. */
  api: string;
  /** http://127.0.0.1:PORT of an app's gate. */
  gate: (app?: string) => string;
  /** Every line of its stdout and stderr, in the order they arrived. */
  logs: string[];
  /** The same lines, apart: what it printed on stdout, and on stderr. */
  stdout: string[];
  stderr: string[];
  /** SIGTERM, wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL, wait for exit: a crash. */
  kill(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on("exit", () => running.forEach((c) => c.kill("SIGKILL")));

// Runs the bundled receiver the way an admin does, `node dist/receiver/cli.mjs
// --config FILE` (or a copy of it: `cli`), and learns its ports from its log once it
// says "ready".
export function startReceiver(
  configFile: string,
  env: Record<string, string> = {},
  { cli = RECEIVER_CLI }: { cli?: string } = {},
): Promise<ReceiverProcess> {
  const child = spawn(process.execPath, [cli, "--config", configFile], {
    env: { ...process.env, ...receiverEnv, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return watchReceiver(child);
}

// Follows a receiver started some other way (its stdout and stderr piped), as startReceiver.
export async function watchReceiver(child: ChildProcess): Promise<ReceiverProcess> {
  running.add(child);
  const logs: string[] = [];
  const stdout: string[] = [];
  const stderr: string[] = [];
  let exited: number | null | undefined;
  child.once("exit", (code) => {
    exited = code;
    running.delete(child);
  });
  // One partial line per stream: a line cut between two chunks of stdout must not
  // be glued to a chunk of stderr.
  const collect = (into: string[]) => {
    let partial = "";
    return (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split("\n");
      partial = lines.pop()!;
      into.push(...lines);
      logs.push(...lines);
    };
  };
  child.stdout!.on("data", collect(stdout));
  child.stderr!.on("data", collect(stderr));
  await waitFor(() => {
    if (exited !== undefined)
      throw new Error(`receiver exited with ${exited}:\n${logs.join("\n")}`);
    return logs.some((l) => / ready$/.test(l));
  }, "the receiver to be ready");
  const api = /API on (https?:\/\/[^\s]+)/.exec(logs.join("\n"))![1]!;
  const gate = (app = "webdemo") => {
    const m = new RegExp(`\\[${app}\\] gate listening on ([^\\s]+)`).exec(logs.join("\n"));
    if (!m) throw new Error(`no gate line for ${app} in:\n${logs.join("\n")}`);
    return `http://${m[1]}`;
  };
  const end = (signal: NodeJS.Signals) => async () => {
    if (exited === undefined) {
      const gone = new Promise((r) => child.once("exit", r));
      child.kill(signal);
      await gone;
    }
  };
  return {
    child,
    api,
    gate,
    logs,
    stdout,
    stderr,
    stop: end("SIGTERM"),
    kill: end("SIGKILL"),
  };
}

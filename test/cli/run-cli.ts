import { spawn } from "node:child_process";
import { resolve } from "node:path";

export const CLI = resolve("dist/receiver/cli.mjs");

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Written to standard input, which is then closed; standard input is empty if absent. */
  input?: string;
  /** The run is killed (and the test fails on its exit code) past this deadline. */
  timeoutMs?: number;
}

// Runs the bundled receiver the way an admin does (`node dist/receiver/cli.mjs …`)
// and collects what it printed and how it exited.
export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  child.stdin.end(options.input ?? "");
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
  return new Promise((done, fail) => {
    child.once("error", fail);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}

/** The non-empty lines of a stream's text. */
export const lines = (text: string) => text.split("\n").filter((l) => l.length > 0);

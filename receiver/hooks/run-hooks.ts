import { formatDuration } from "../config/units.js";
import { describeExit } from "../pool/exit.js";
import { OutputRing } from "../pool/output-ring.js";
import { runCommand } from "./run-command.js";
import { describeSpawnFailure } from "./spawn-failure.js";

export type HookName = "beforeSwap" | "afterRelease";

export interface HookOptions {
  /** The release folder the commands run in (a relative argv[0] with a slash is taken from it). */
  cwd: string;
  /** The whole environment of each command: the caller adds PATH, HOTSWAP_APP, HOTSWAP_RELEASE, HOTSWAP_PREVIOUS. */
  env: Record<string, string>;
  /** For the whole list, not each command (hooks.timeout). */
  timeoutMs: number;
  /** Aborted: the running command and its children are stopped, the rest do not run. */
  signal?: AbortSignal;
  log: (level: "info" | "warn" | "error", message: string) => void;
  /** Where each running command is recorded (the next receiver reaps it after a SIGKILL). */
  pidFile?: string;
}

export type HookOutcome =
  | { ok: true; ms: number }
  | {
      ok: false;
      /** The command that failed, as one line: `bin/migrate --yes`. */
      command: string;
      /** What happened to it: "exited with code 3", "was cut at hooks.timeout (5m) …". */
      reason: string;
      ms: number;
      /** Its last lines of output (both streams, in the order read), made safe. */
      output: string[];
    };

/** How many of the failing command's last lines the outcome carries. */
const OUTPUT_LINES = 50;

// beforeSwap and afterRelease run the user's own commands between the receiver's
// steps, so they must read in the workflow log like those steps (every line prefixed
// with the hook's name, stderr as warnings), stop at the first failure (a half-done
// migration must not be followed by the next one), and never outlive their budget.
// hooks.timeout is one budget for the whole list: it bounds how long a deploy can
// stand still before the hold, however many commands the list has. An empty list is ok.
export async function runHooks(
  name: HookName,
  commands: string[][],
  o: HookOptions,
): Promise<HookOutcome> {
  const started = Date.now();
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), o.timeoutMs);
  const stop = o.signal ? AbortSignal.any([deadline.signal, o.signal]) : deadline.signal;
  const fail = (command: string, reason: string, output: string[] = []): HookOutcome => {
    o.log("error", `${name}: ${command} ${reason}`);
    return { ok: false, command, reason, ms: Date.now() - started, output };
  };
  const stopped = () =>
    deadline.signal.aborted
      ? `was cut at hooks.timeout (${duration(o.timeoutMs)}), which covers the whole ${name} list`
      : `was stopped: ${abortReason(o.signal?.reason)}`;
  try {
    for (const argv of commands) {
      const command = commandLine(argv);
      if (!argv[0]) return fail(command, `is empty: hooks.${name} needs a program to run`);
      if (stop.aborted) return fail(command, `${stopped()} before it started`);
      o.log("info", `${name}: running ${command}`);
      const level = (stream: string) => (stream === "stdout" ? "info" : "warn");
      const sink = new OutputRing(
        0,
        (l) => o.log(level(l.stream), `${name}: ${l.line}`),
        OUTPUT_LINES,
      );
      const ran = Date.now();
      const exit = await runCommand(argv, {
        cwd: o.cwd,
        env: o.env,
        stop,
        output: sink,
        pidFile: o.pidFile,
      });
      const output = sink.lines().map((l) => l.line);
      if (exit.error) {
        const reason = await describeSpawnFailure(exit.error, argv[0], o.cwd, o.env);
        return fail(command, reason, output);
      }
      if (stop.aborted) return fail(command, stopped(), output);
      if (exit.code !== 0) return fail(command, describeExit(exit), output);
      o.log("info", `${name}: ${command} done in ${formatDuration(Date.now() - ran)}`);
    }
    return { ok: true, ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

// One line a reader can paste into a shell: arguments with spaces or quotes quoted.
function commandLine(argv: readonly string[]): string {
  if (argv.length === 0) return "[]";
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(" ");
}

// hooks.timeout as a person writes it: 300000 → "5m", 90000 → "90s".
function duration(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000}m` : formatDuration(ms);
}

function abortReason(reason: unknown): string {
  if (reason instanceof Error && reason.name !== "AbortError") return reason.message;
  if (typeof reason === "string" && reason) return reason;
  return "the operation was aborted";
}

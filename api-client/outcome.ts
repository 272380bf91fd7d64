// What a finished operation means to the person who asked for it, in the same words in
// the workflow log and on the terminal.
import type { FailedResult, ResultEvent } from "../receiver/protocol.js";
import type { Operation } from "./call.js";
import { count, duration } from "./format.js";

// Operation abort answers the watched deploy's result, which it made a rollback: it
// succeeded when that rollback happened.
export function succeeded(operation: Operation, result: ResultEvent): boolean {
  if (operation !== "abort") return result.ok;
  return !result.ok && result.error.code === "ERR_ABORTED" && result.rolledBack === true;
}

/**
 * "deploy of webdemo done, id …", before → after, the hold and the total time.
 * `force` names the setting that swaps a live artifact anyway ("input force", "--force").
 */
export function resultLines(
  operation: Operation,
  app: string,
  result: ResultEvent,
  force: string,
): string[] {
  const show = (v?: { sha256: string; version?: string }) =>
    v ? `${v.sha256.slice(0, 7)} ${v.version ?? ""}`.trim() : "none";
  return [
    result.ok && result.unchanged
      ? `${app} is already live at this artifact: nothing swapped, no request held (${force} swaps anyway), id ${result.deployId}`
      : `${operation} of ${app} ${succeeded(operation, result) ? "done" : "failed"}, id ${result.deployId}`,
    `before → after: ${show(result.previous)} → ${show(result.version)}`,
    `requests held ${duration(result.holdMs)}, total ${duration(result.durationMs)}`,
  ];
}

/** Lines of the failing servers' output a failure message shows; the rest is in the app's log. */
const OUTPUT_SHOWN = 8;

/**
 * Why the operation counts as failed: the receiver's explanation, or a kept watched build.
 * `logs` says where the app's whole output is ("hotswap logs", the logs URL).
 */
export function failureMessage(
  operation: Operation,
  app: string,
  result: ResultEvent,
  logs: string,
): string {
  return result.ok
    ? `${operation} of ${app}: the deploy kept its build (${result.deployId}); nothing was rolled back`
    : refusal(result, logs);
}

// The receiver's code and message (which has the probe's last answer), whether the old
// release serves again, and the last few lines the failing servers wrote: enough to act on
// in an annotation, with how many lines that is of all and where they all are.
function refusal(result: FailedResult, logs: string): string {
  const { op, app, error, rolledBack, output = [] } = result;
  const lines = [`${op} of ${app} failed: ${error.code}: ${error.message}`];
  if (rolledBack) lines.push("rolled back: the previous release serves again");
  const shown = condense(output).slice(-OUTPUT_SHOWN);
  const told = shown.reduce((sum, run) => sum + run.lines, 0);
  if (shown.length > 0) {
    const all = told < output.length;
    lines.push(
      all
        ? `server output (the last ${told} of ${count(output.length, "line")}; all of them: ${logs}):`
        : "server output:",
      ...shown.map(
        ({ text, lines: n }) => `  ${text}${n > 1 ? ` (and ${n - 1} like it before)` : ""}`,
      ),
    );
  }
  return lines.join("\n");
}

// Runs of lines alike but for their numbers (a server logging each health probe, with
// its time) as the run's last line and its length: 40 probe lines are one line, and the
// lines before them, which tell why the server is unhealthy, stay in view.
function condense(output: string[]): { text: string; lines: number }[] {
  const shape = (line: string) => line.replace(/\d+/g, "#");
  const runs: { text: string; lines: number; shape: string }[] = [];
  for (const text of output) {
    const last = runs.at(-1);
    if (last?.shape === shape(text)) [last.text, last.lines] = [text, last.lines + 1];
    else runs.push({ text, lines: 1, shape: shape(text) });
  }
  return runs;
}

/** A run cut off by its timeout says so first (naming the setting), then what it waited for. */
export function timeoutMessage(error: unknown, seconds: number, setting: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const limit = `timed out after ${seconds} s (${setting})`;
  const bare = error instanceof Error && /Abort|Timeout/.test(error.name);
  return bare ? limit : `${limit}: ${message}`;
}

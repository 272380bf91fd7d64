// What a finished operation means to the person who asked for it, in the same words in
// the workflow log and on the terminal.
import type { FailedResult, ResultEvent } from "../receiver/protocol.js";
import type { Operation } from "./call.js";
import { duration } from "./format.js";

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

/** Why the operation counts as failed: the receiver's explanation, or a kept watched build. */
export function failureMessage(operation: Operation, app: string, result: ResultEvent): string {
  return result.ok
    ? `${operation} of ${app}: the deploy kept its build (${result.deployId}); nothing was rolled back`
    : refusal(result);
}

// The receiver's code and message, whether the old release serves again, and the last
// lines the failing servers wrote: enough to act on without opening the receiver's logs.
function refusal(result: FailedResult): string {
  const { op, app, error, rolledBack, output = [] } = result;
  const lines = [`${op} of ${app} failed: ${error.code}: ${error.message}`];
  if (rolledBack) lines.push("rolled back: the previous release serves again");
  if (output.length > 0) lines.push("last server output:", ...output.map((l) => `  ${l}`));
  return lines.join("\n");
}

/** A run cut off by its timeout says so first (naming the setting), then what it waited for. */
export function timeoutMessage(error: unknown, seconds: number, setting: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const limit = `timed out after ${seconds} s (${setting})`;
  const bare = error instanceof Error && /Abort|Timeout/.test(error.name);
  return bare ? limit : `${limit}: ${message}`;
}

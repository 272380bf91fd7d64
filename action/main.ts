import * as core from "@actions/core";
import type { FailedResult, ResultEvent } from "../receiver/protocol.js";
import { call } from "../api-client/call.js";
import { duration, megabytes } from "../api-client/format.js";
import { hashFile, type Artifact } from "../api-client/hash-file.js";
import { actionClient } from "./action-client.js";
import { outputs } from "./outputs.js";
import { getSettings, type Settings } from "./settings.js";
import { untrusted } from "./untrusted.js";
import { writeSummary } from "./write-summary.js";

interface Deadline {
  signal: AbortSignal;
  seconds: number;
}

// The one place that turns a failure into a failed step: everything below throws, and a
// result that is not ok fails the step with the receiver's own explanation.
export async function run(): Promise<void> {
  let deadline: Deadline | undefined;
  try {
    const settings = await getSettings();
    const { file, timeoutMs } = settings;
    const signal = AbortSignal.timeout(timeoutMs);
    deadline = { signal, seconds: timeoutMs / 1000 };
    const artifact = file ? await core.group("Artifact", () => inspect(file, signal)) : undefined;
    const result = await call(settings, actionClient(settings), artifact, signal);
    await core.group("Result", () => report(settings, result));
    if (!succeeded(settings, result))
      core.setFailed(
        result.ok
          ? `${settings.operation} of ${settings.app}: the deploy kept its build (${result.deployId}); nothing was rolled back`
          : failureMessage(result),
      );
  } catch (error) {
    core.setFailed(errorMessage(error, deadline));
  }
}

// Operation abort answers the watched deploy's result, which it made a rollback: the
// step succeeds when that rollback happened.
function succeeded(settings: Settings, result: ResultEvent): boolean {
  if (settings.operation !== "abort") return result.ok;
  return !result.ok && result.error.code === "ERR_ABORTED" && result.rolledBack === true;
}

async function inspect(file: string, signal: AbortSignal): Promise<Artifact> {
  const artifact = await hashFile(file, signal);
  core.info(`${file}\n${megabytes(artifact.size)}, sha256 ${artifact.sha256}`);
  return artifact;
}

async function report(settings: Settings, result: ResultEvent): Promise<void> {
  for (const [name, value] of Object.entries(outputs(result))) core.setOutput(name, value);
  const show = (v?: { sha256: string; version?: string }) =>
    v ? `${v.sha256.slice(0, 7)} ${v.version ?? ""}`.trim() : "none";
  untrusted(
    [
      result.ok && result.unchanged
        ? `${settings.app} is already live at this artifact: nothing swapped, no request held (input force swaps anyway), id ${result.deployId}`
        : `${settings.operation} of ${settings.app} ${succeeded(settings, result) ? "done" : "failed"}, id ${result.deployId}`,
      `before → after: ${show(result.previous)} → ${show(result.version)}`,
      `requests held ${duration(result.holdMs)}, total ${duration(result.durationMs)}`,
    ].join("\n"),
  );
  await writeSummary(settings, result);
}

// The receiver's code and message, whether the old release serves again, and the last
// lines the failing servers wrote: enough to act on without opening the receiver's logs.
function failureMessage(result: FailedResult): string {
  const { op, app, error, rolledBack, output = [] } = result;
  const lines = [`${op} of ${app} failed: ${error.code}: ${error.message}`];
  if (rolledBack) lines.push("rolled back: the previous release serves again");
  if (output.length > 0) lines.push("last server output:", ...output.map((l) => `  ${l}`));
  return lines.join("\n");
}

// A step cut off by its timeout says so first, then what it was waiting for.
function errorMessage(error: unknown, deadline?: Deadline): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!deadline?.signal.aborted) return message;
  const limit = `timed out after ${deadline.seconds} s (input "timeout")`;
  const bare = error instanceof Error && /Abort|Timeout/.test(error.name);
  return bare ? limit : `${limit}: ${message}`;
}

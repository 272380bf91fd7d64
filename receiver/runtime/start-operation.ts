import { HttpError } from "../http-error.js";
import type { JournalEntry, ResultEvent, StreamEvent } from "../protocol.js";
import type { AppRuntime } from "./app-runtime.js";
import { newDeployId } from "./deploy-id.js";
import { endedBy, resultOf } from "./end-watch.js";
import type { RunContext } from "./run-swap.js";

export type OperationOp = ResultEvent["op"];

export interface StartedOperation {
  deployId: string;
  /** Settles with the result when the operation has ended (never rejects). */
  done: Promise<ResultEvent>;
}

// A deploy, swap or rollback that finds a deploy being judged by traffic (watch, canary)
// ends that watch (one lock, one owner): a deploy or swap promotes the watched build, a
// rollback aborts it (which rolls it back); then it waits for the lock, for as long as
// the watched deploy's last steps may take. What it got is what the watched deploy's
// result says: ended by hand (promoted or aborted), or undefined when judging was over
// before this reached it (then this operation is just the next one). Null when the lock
// is busy otherwise, or stays so (409).
async function endWatch(
  rt: AppRuntime,
  op: OperationOp,
  deployId: string,
): Promise<RunContext["endedWatch"] | null> {
  const watch = rt.watching;
  if (!watch || (op !== "deploy" && op !== "swap" && op !== "rollback")) return null;
  const how = op === "rollback" ? "aborted" : "promoted";
  if (!watch.end(how, `${op} ${deployId}`) && !watch.ending) return null; // judged: busy as any swap
  const result = resultOf(rt, watch.deployId, rt.longestSwapMs()).catch(() => undefined);
  rt.log("info", `${op} ${deployId} ends the watch of ${watch.deployId}; waiting for it`);
  if (!(await rt.lock.acquire(deployId, rt.longestSwapMs(), op))) return null;
  const ended = (await result) && endedBy((await result)!);
  return ended ? { deployId: watch.deployId, how: ended } : undefined;
}

// Takes the app's lock (409 at once if taken, unless a watch is to end: endWatch), runs `prepare` while its errors
// can still be answered as HTTP statuses, then runs the rest detached from
// whoever asked: a client that goes away does not stop a swap half way, and the
// lock is released only when the run has ended. Every event goes to the
// deploy's log, to the app's feed (the admin page's live view) and to `listen`.
export async function startOperation(
  rt: AppRuntime,
  op: OperationOp,
  who: JournalEntry["who"],
  listen: ((event: StreamEvent) => void) | undefined,
  prepare: (ctx: RunContext) => Promise<void>,
  run: (ctx: RunContext) => Promise<ResultEvent>,
): Promise<StartedOperation> {
  const deployId = newDeployId();
  const holder = rt.lock.busy;
  const busy = holder === rt.lock.busyWith ? holder : `${rt.lock.busyWith} ${holder}`;
  const endedWatch = rt.lock.tryAcquire(deployId, op)
    ? undefined
    : await endWatch(rt, op, deployId);
  if (endedWatch === null) {
    throw new HttpError(
      409,
      "ERR_BUSY",
      `${op} refused: ${busy} is in progress for ${rt.config.name}; try again when it ends`,
    );
  }
  // Reporting is best effort: a full disk or a broken listener must never stop
  // a swap half way (the hold would stay on) nor crash the receiver.
  // The deploy's log file is written only once `prepare` has succeeded: a refused
  // upload leaves nothing on disk, not even a log of its start.
  let warned = false;
  let prepared = false;
  const early: StreamEvent[] = [];
  const warnOnce = (error: unknown) => {
    if (!warned)
      rt.log("warn", `${op} ${deployId}: could not report an event: ${(error as Error).message}`);
    warned = true;
  };
  // The log is written in the background, in order; a failed write is warned of once.
  const log = (event: StreamEvent) => {
    if (prepared) rt.journal.log(deployId, event).catch(warnOnce);
    else early.push(event);
  };
  const emit = (event: StreamEvent) => {
    for (const deliver of [
      () => log(event),
      () => rt.feed.emit("event", { app: rt.config.name, deployId, op, event }),
      () => listen?.(event),
    ]) {
      try {
        deliver();
      } catch (error) {
        warnOnce(error);
      }
    }
  };
  const ctx: RunContext = { deployId, emit, startedAt: performance.now(), who, endedWatch };
  try {
    await prepare(ctx);
  } catch (error) {
    rt.lock.release(deployId);
    throw error;
  }
  prepared = true;
  for (const event of early.splice(0)) {
    try {
      log(event);
    } catch {
      // best effort, as in emit
    }
  }
  const done = run(ctx)
    .catch((error: Error): ResultEvent => {
      rt.log("error", `${op} ${deployId} failed: ${error.stack ?? error.message}`);
      const durationMs = Math.round(performance.now() - ctx.startedAt);
      return {
        type: "result",
        ok: false,
        deployId,
        op,
        app: rt.config.name,
        error: { code: "ERR_INTERNAL", message: error.message },
        holdMs: 0,
        durationMs,
      };
    })
    .then((done): ResultEvent => {
      const { publicUrl } = rt.config; // for the GitHub deployment's environment_url
      const result = done.ok && publicUrl ? { ...done, publicUrl } : done;
      rt.log(
        result.ok ? "info" : "warn",
        `${op} ${deployId} ${result.ok ? "ok" : `failed: ${result.error.message}`}`,
      );
      emit(result);
      return result;
    })
    .finally(() => rt.lock.release(deployId));
  return { deployId, done };
}

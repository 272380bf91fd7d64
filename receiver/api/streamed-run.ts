import type { Context } from "hono";
import type { ResultEvent, StreamEvent } from "../protocol.js";
import { newDeployId } from "../runtime/deploy-id.js";
import type { RunContext } from "../runtime/run-swap.js";
import { HttpError } from "./http-error.js";
import { NdjsonStream } from "./ndjson-stream.js";

type Op = ResultEvent["op"];

// Takes the app's lock (409 at once if taken), runs `prepare` while errors can
// still be HTTP statuses, then streams the rest. The run is detached from the
// response: a client that disconnects does not stop a swap half way, and the
// lock is released only when the run has ended.
export async function streamedRun(
  c: Context,
  op: Op,
  prepare: (ctx: RunContext) => Promise<void>,
  run: (ctx: RunContext) => Promise<ResultEvent>,
): Promise<Response> {
  const rt = c.var.runtime;
  const deployId = newDeployId();
  const busy = rt.lock.busy;
  if (!rt.lock.tryAcquire(deployId)) {
    throw new HttpError(
      409,
      "ERR_BUSY",
      `${op} refused: ${busy} is in progress for ${rt.config.name}; try again when it ends`,
    );
  }
  const stream = new NdjsonStream();
  const emit = (event: StreamEvent) => {
    rt.journal.log(deployId, event);
    stream.write(event);
  };
  const ctx: RunContext = {
    deployId,
    emit,
    startedAt: performance.now(),
    who: c.var.principal.who,
  };
  try {
    await prepare(ctx);
  } catch (error) {
    rt.lock.release(deployId);
    stream.close();
    throw error;
  }
  void run(ctx)
    .catch((error: Error): ResultEvent => {
      rt.log("error", `${op} ${deployId} failed: ${error.stack ?? error.message}`);
      return {
        type: "result",
        ok: false,
        deployId,
        op,
        app: rt.config.name,
        error: { code: "ERR_INTERNAL", message: error.message },
        holdMs: 0,
        durationMs: Math.round(performance.now() - ctx.startedAt),
      };
    })
    .then((result) => {
      rt.log(
        result.ok ? "info" : "warn",
        `${op} ${deployId} ${result.ok ? "ok" : `failed: ${result.error.message}`}`,
      );
      emit(result);
    })
    .finally(() => rt.lock.release(deployId));
  return stream.response();
}

import type { Context } from "hono";
import type { ResultEvent } from "../protocol.js";
import type { RunContext } from "../runtime/run-swap.js";
import { startOperation, type OperationOp } from "../runtime/start-operation.js";
import { NdjsonStream } from "./ndjson-stream.js";

// An operation answered as the API's NDJSON stream: errors of `prepare` are
// still HTTP statuses; after it, every event is a line and the result is last.
export async function streamedRun(
  c: Context,
  op: OperationOp,
  prepare: (ctx: RunContext) => Promise<void>,
  run: (ctx: RunContext) => Promise<ResultEvent>,
): Promise<Response> {
  const stream = new NdjsonStream();
  try {
    await startOperation(
      c.var.runtime,
      op,
      c.var.principal.who,
      (e) => stream.write(e),
      prepare,
      run,
    );
  } catch (error) {
    stream.close();
    throw error;
  }
  return stream.response();
}

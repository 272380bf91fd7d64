import type { Context } from "hono";
import type { Operation } from "../runtime/operation.js";
import { startOperation } from "../runtime/start-operation.js";
import { NdjsonStream } from "./ndjson-stream.js";

// An operation answered as the API's NDJSON stream: errors of its `prepare` are
// still HTTP statuses; after it, every event is a line and the result is last.
export async function streamedRun(c: Context, operation: Operation): Promise<Response> {
  const stream = new NdjsonStream();
  const { op, prepare, run } = operation;
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

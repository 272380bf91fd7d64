import type { ResultEvent } from "../protocol.js";
import type { RunContext } from "./run-swap.js";
import type { OperationOp } from "./start-operation.js";

// One operation as startOperation runs it, built once and started by whoever
// asks: the API answers it as an NDJSON stream, the admin page as a deploy id.
export interface Operation {
  op: OperationOp;
  /** Runs under the lock while its errors can still be HTTP statuses. */
  prepare: (ctx: RunContext) => Promise<void>;
  /** Runs detached from the request, to its end. */
  run: (ctx: RunContext) => Promise<ResultEvent>;
}

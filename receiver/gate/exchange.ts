import type { IncomingMessage, ServerResponse } from "node:http";

// One client request on its way through the gate, possibly over several attempts.
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  /** Date.now() at arrival: the hold timeout counts from here, across re-queues. */
  arrived: number;
  /** Whether a body follows the headers: if so, once sent it cannot be sent again. */
  hasBody: boolean;
  /** Origins this attempt round found unreachable. */
  tried: Set<string>;
}

// Whether a request can be retried on another server depends on one fact known at
// arrival: does a body follow? Only a body-less request can be sent a second time.
export function exchange(req: IncomingMessage, res: ServerResponse): Exchange {
  const length = req.headers["content-length"];
  const hasBody =
    req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
  return { req, res, arrived: Date.now(), hasBody, tried: new Set() };
}

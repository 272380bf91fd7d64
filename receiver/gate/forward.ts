import type { Dispatcher } from "undici";
import type { Exchange } from "./exchange.js";
import { requestHeaders } from "./request-headers.js";
import { responseHeaders } from "./response-headers.js";

/**
 * How one attempt ended: answered, server not reachable before any answer (may be
 * retried elsewhere), failed otherwise, or the client went away.
 */
export type Outcome = "served" | "unreachable" | "failed" | "gone";

const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "UND_ERR_SOCKET", // "other side closed"
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_CLOSED", // the pool was closed just now
  "UND_ERR_DESTROYED",
]);

// One attempt at one server: streams the request body out and the answer back, with
// backpressure both ways and nothing buffered, at undici's dispatch level (this is the
// hot path). It never answers errors itself: the gate decides from the outcome whether
// to retry, queue or answer 502. Once the answer has begun, a failure can only cut it.
export function forward(
  ex: Exchange,
  pool: Dispatcher,
  done: (outcome: Outcome, error?: Error) => void,
): void {
  const { req, res } = ex;
  let controller: Dispatcher.DispatchController | undefined;
  let settled = false;
  const resume = (): void => controller?.resume();
  const clientGone = (): void => {
    if (!res.writableFinished) controller?.abort(new Error("the client closed the connection"));
  };
  const settle = (outcome: Outcome, error?: Error): void => {
    if (settled) return;
    settled = true;
    res.off("close", clientGone).off("drain", resume);
    done(outcome, error);
  };
  res.on("close", clientGone).on("drain", resume);

  const options: Dispatcher.DispatchOptions = {
    path: req.url ?? "/",
    method: req.method ?? "GET",
    headers: requestHeaders(req),
    body: ex.hasBody ? req : null,
  };
  pool.dispatch(options, {
    onRequestStart(c) {
      controller = c;
      if (res.destroyed) c.abort(new Error("the client closed the connection"));
    },
    onResponseStart(c, statusCode, headers, statusMessage) {
      if (statusCode < 200) return; // 100 Continue, 103 Early Hints: node:http sends its own
      try {
        res.writeHead(statusCode, statusMessage || undefined, responseHeaders(headers));
      } catch (error) {
        c.abort(error as Error); // a header node:http will not send: answer 502 instead
      }
    },
    onResponseData(c, chunk) {
      if (!res.write(chunk)) c.pause();
    },
    onResponseEnd() {
      res.end();
      settle("served");
    },
    onResponseError(_c, error) {
      if (res.destroyed && !res.writableFinished) return settle("gone", error);
      if (res.headersSent) {
        res.destroy(error);
        return settle("failed", error);
      }
      const code = (error as NodeJS.ErrnoException).code ?? "";
      settle(UNREACHABLE.has(code) ? "unreachable" : "failed", error);
    },
  });
}

import type { Dispatcher } from "undici";
import type { Attempt } from "./attempts.js";
import { guardBody, type BodyLimits } from "./body-guard.js";
import type { Exchange } from "./exchange.js";
import { SlowClientError, type Outcome, type Settle } from "./outcome.js";
import type { HeaderMap } from "./hop-by-hop.js";
import { responseHeaders } from "./response-headers.js";

export interface ForwardOptions {
  pool: Dispatcher;
  headers: HeaderMap;
  body: BodyLimits;
  /** The first answer byte came back: the answer's status (again for a final one after 1xx). */
  answered: (status: number) => void;
}

// One attempt at one server: streams the request body out and the answer back, with
// backpressure both ways and nothing buffered, at undici's dispatch level (this is the
// hot path). It never answers errors itself: it tells the router how the attempt ended,
// and whether the request had gone out on a connection (undici calls onRequestStart
// just before it writes the request), which is what decides if it may be sent again.
export function forward(ex: Exchange, options: ForwardOptions, done: Settle): Attempt["abort"] {
  const { req, res } = ex;
  let controller: Dispatcher.DispatchController | undefined;
  let pendingAbort: Error | undefined;
  let sent = false;
  let settled = false;
  let stopGuard: (() => void) | undefined;
  const abort = (reason: Error): void => {
    if (controller) controller.abort(reason);
    else pendingAbort = reason;
  };
  const resume = (): void => controller?.resume();
  const clientGone = (): void => {
    if (!res.writableFinished) abort(new Error("the client closed the connection"));
  };
  const settle = (outcome: Outcome, error?: Error): void => {
    if (settled) return;
    settled = true;
    stopGuard?.();
    res.off("close", clientGone).off("drain", resume);
    done(outcome, error);
  };
  res.on("close", clientGone).on("drain", resume);

  options.pool.dispatch(
    {
      path: req.url ?? "/",
      method: req.method ?? "GET",
      headers: options.headers,
      body: ex.hasBody ? req : null,
    },
    {
      onRequestStart(c) {
        controller = c;
        sent = true;
        if (pendingAbort) return c.abort(pendingAbort);
        if (res.destroyed) return c.abort(new Error("the client closed the connection"));
        if (ex.hasBody && !req.complete) {
          stopGuard = guardBody(req, options.body, (why) => c.abort(new SlowClientError(why)));
        }
      },
      onResponseStart(c, statusCode, headers, statusMessage) {
        options.answered(statusCode);
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
        if (error instanceof SlowClientError) return settle("slow-client", error);
        if (res.destroyed && !res.writableFinished) return settle("gone", error);
        if (res.headersSent) {
          res.destroy(error);
          return settle("cut", error);
        }
        const code = (error as NodeJS.ErrnoException).code ?? "";
        if (code === "UND_ERR_HEADERS_TIMEOUT") return settle("timeout", error);
        settle(!sent || code === "ECONNREFUSED" ? "unsent" : "unanswered", error);
      },
    },
  );
  return abort;
}

import type { Context } from "hono";
import type { ErrorBody } from "../protocol.js";
import { HttpError } from "../http-error.js";

// Every error before the stream starts, in one shape: {"error":{"code","message"}}.
// A 401 says how to authenticate; a refused upload closes the connection so the
// rest of a large body is not read for nothing.
export function errorResponse(error: Error, c: Context, log: (message: string) => void): Response {
  const known =
    error instanceof HttpError
      ? error
      : new HttpError(500, "ERR_INTERNAL", "internal error; see the receiver's log");
  if (!(error instanceof HttpError))
    log(`internal error on ${c.req.method} ${c.req.path}: ${error.stack ?? error.message}`);
  const headers: Record<string, string> = {};
  if (known.status === 401)
    headers["www-authenticate"] =
      `Bearer realm="hotswap", error="invalid_token", error_description="${known.code}"`;
  if (c.req.method === "POST") headers["connection"] = "close";
  if (known.retryAfter) headers["retry-after"] = String(known.retryAfter);
  const body: ErrorBody = { error: { code: known.code, message: known.message } };
  return c.json(body, known.status, headers);
}

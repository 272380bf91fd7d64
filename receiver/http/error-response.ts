import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { HtmlEscapedString } from "hono/utils/html";
import { ERROR_STATUSES, HttpError, type ErrorStatus } from "../http-error.js";
import type { Log } from "../log.js";
import type { ErrorBody } from "../protocol.js";
import type { HttpEnv } from "./http-env.js";
import { lingerAfterAnswer } from "./lingering-close.js";
import { wwwAuthenticate, type Challenge } from "./www-authenticate.js";

type Page = HtmlEscapedString | Promise<HtmlEscapedString>;

/** How one surface (the API, the admin page, a legacy link) answers its refusals. */
export interface ErrorSurface {
  /** Where an internal error's stack goes; the client only learns ERR_INTERNAL. */
  log: Log;
  /** What a 401 asks for; none: no WWW-Authenticate header. */
  challenge?: (error: HttpError) => Challenge;
  /**
   * A 401 keeps the connection open: WinINet posts a form without credentials
   * first and reads the challenge only once it has sent the whole body.
   */
  keepAliveOn401?: boolean;
  /** The page a browser gets, or undefined for the JSON every script reads. */
  page?: (error: HttpError, c: Context<HttpEnv>) => Page | undefined;
  /** Headers every page of this surface carries (its CSP, caching). */
  pageHeaders?: Record<string, string>;
}

// Every error before a stream starts, from every surface, in one shape: status,
// stable code and message; as `{"error":{"code","message"}}` or as the surface's
// page. A refused POST closes the connection so the rest of a large body is not
// sent for nothing; the close lingers (lingering-close.ts), so that a client still
// sending reads the answer instead of a reset. Anything that is not an HttpError is
// an internal error: its stack goes to the log, never to the client.
export function errorResponse(
  error: unknown,
  c: Context<HttpEnv>,
  surface: ErrorSurface,
): Response | Promise<Response> {
  const known = asHttpError(error, c, surface.log);
  const headers: Record<string, string> = { ...known.headers };
  if (known.status === 401 && surface.challenge)
    headers["www-authenticate"] = wwwAuthenticate(surface.challenge(known));
  if (c.req.method === "POST" && !(known.status === 401 && surface.keepAliveOn401)) {
    headers["connection"] = "close";
    if (c.env?.incoming) lingerAfterAnswer(c.env.incoming);
  }
  const page = surface.page?.(known, c);
  if (page) return c.html(page, known.status, { ...surface.pageHeaders, ...headers });
  const body: ErrorBody = { error: { code: known.code, message: known.message } };
  return c.json(body, known.status, headers);
}

function asHttpError(error: unknown, c: Context<HttpEnv>, log: Log): HttpError {
  if (error instanceof HttpError) return error;
  // Hono's own refusals (a body it cannot parse, for one) keep their status.
  if (error instanceof HTTPException && isErrorStatus(error.status))
    return new HttpError(error.status, `ERR_HTTP_${error.status}`, error.message);
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  log("error", `internal error on ${c.req.method} ${c.req.path}: ${text}`);
  return new HttpError(500, "ERR_INTERNAL", "internal error; see the receiver's log", {
    cause: error,
  });
}

const isErrorStatus = (status: number): status is ErrorStatus =>
  (ERROR_STATUSES as readonly number[]).includes(status);

import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { HttpError } from "../http-error.js";
import type { Log } from "../log.js";
import { AdminError } from "./admin-error.js";
import type { AdminEnv } from "./admin-env.js";
import { ErrorPage } from "./pages/error-page.js";
import { wantsHtml } from "./wants-html.js";

interface Known {
  status: ContentfulStatusCode;
  code: string;
  message: string;
  headers?: Record<string, string>;
}

// Every refusal of the admin page in one shape: the API's {"error":{code,message}}
// for scripts, a short page for a browser; internal errors go to the log only.
export function answerError(
  error: Error,
  c: Context<AdminEnv>,
  log: Log,
): Response | Promise<Response> {
  const known = describe(error, c, log);
  for (const [name, value] of Object.entries(known.headers ?? {})) c.header(name, value);
  if (c.req.method === "POST") c.header("connection", "close");
  if (wantsHtml(c))
    return c.html(<ErrorPage {...known} nonce={c.get("secureHeadersNonce")} />, known.status);
  return c.json({ error: { code: known.code, message: known.message } }, known.status);
}

function describe(error: Error, c: Context<AdminEnv>, log: Log): Known {
  if (error instanceof AdminError) return error;
  if (error instanceof HttpError) return error;
  if (error instanceof HTTPException) {
    return { status: error.status, code: `ERR_HTTP_${error.status}`, message: error.message };
  }
  log("error", `internal error on ${c.req.method} ${c.req.path}: ${error.stack ?? error.message}`);
  return { status: 500, code: "ERR_INTERNAL", message: "internal error; see the receiver's log" };
}

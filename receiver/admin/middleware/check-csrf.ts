import type { Context, MiddlewareHandler } from "hono";
import { timingSafeEqual } from "node:crypto";
import { HttpError } from "../../http-error.js";
import type { HttpEnv } from "../../http/http-env.js";

/** Forms carrying the token are small; a larger body is not read to look for it. */
const MAX_FORM_BYTES = 64 * 1024;

// Every post must echo the token of the session's cookie, in the header
// x-csrf-token (scripts, uploads) or the form field _csrf (plain forms). Another
// site can make the browser send the cookie but cannot read the token.
export function checkCsrf(): MiddlewareHandler<HttpEnv> {
  return async function checkCsrfToken(c, next) {
    const expected = c.var.adminSession?.csrf;
    const token = c.req.header("x-csrf-token") ?? (await formField(c, "_csrf"));
    if (!expected || !token || !same(token, expected)) {
      throw new HttpError(
        403,
        "ERR_CSRF",
        "the form's security token is missing or stale: reload the page and try again",
      );
    }
    await next();
  };
}

async function formField(c: Context<HttpEnv>, name: string): Promise<string | undefined> {
  const type = c.req.header("content-type") ?? "";
  const length = Number(c.req.header("content-length") ?? NaN);
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) return undefined;
  if (!(length <= MAX_FORM_BYTES)) return undefined;
  const value = (await c.req.parseBody())[name];
  return typeof value === "string" ? value : undefined;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

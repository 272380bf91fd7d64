import type { MiddlewareHandler } from "hono";
import { HttpError } from "../../http-error.js";
import { ADMIN_BASE } from "../admin-env.js";
import type { HttpEnv } from "../../http/http-env.js";

// Every admin route but the login form needs a signed-in session. A page sends
// the browser to sign in; a call (a form post, the live feed) is refused with
// 401 so a script notices instead of following a redirect to a form.
export function requireSignIn(without: "redirect" | "401"): MiddlewareHandler<HttpEnv> {
  return async function requireAdminSignIn(c, next) {
    if (!c.var.adminSession?.signedIn) {
      if (without === "redirect") return c.redirect(`${ADMIN_BASE}/login`, 302);
      throw new HttpError(
        401,
        "ERR_ADMIN_SESSION",
        `sign in first at ${ADMIN_BASE}/login (no session, or it has expired)`,
      );
    }
    await next();
  };
}

import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { HttpEnv } from "../../http/http-env.js";
import { SESSION_COOKIE } from "../session/set-session-cookie.js";
import type { Sessions } from "../session/sessions.js";

// Reads the admin cookie once for every route; a forged, expired or revoked
// cookie counts as none. What the session allows is decided by the routes.
export function readSession(sessions: Sessions): MiddlewareHandler<HttpEnv> {
  return async function readAdminSession(c, next) {
    c.set("adminSession", sessions.read(getCookie(c, SESSION_COOKIE)));
    await next();
  };
}

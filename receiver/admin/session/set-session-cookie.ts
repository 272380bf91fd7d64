import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import type { TLSSocket } from "node:tls";
import { ADMIN_BASE } from "../admin-env.js";
import type { HttpEnv } from "../../http/http-env.js";

export const SESSION_COOKIE = "hotswap_admin";

// The one place the admin cookie is written: never readable by scripts, never
// sent by another site, only under /admin, Secure whenever the page came over
// TLS (here, or at a proxy in front). An empty value with no age clears it.
export function setSessionCookie(c: Context<HttpEnv>, value: string, maxAgeMs: number): void {
  setCookie(c, SESSION_COOKIE, value, {
    httpOnly: true,
    sameSite: "Strict",
    path: ADMIN_BASE,
    secure: overTls(c),
    maxAge: Math.max(0, Math.floor(maxAgeMs / 1000)),
  });
}

function overTls(c: Context<HttpEnv>): boolean {
  const proto = c.req.header("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  return proto === "https" || (c.env.incoming.socket as TLSSocket).encrypted === true;
}

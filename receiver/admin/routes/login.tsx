import type { Handler } from "hono";
import { verifyPassword } from "../../auth/password-hash.js";
import { HttpError } from "../../http-error.js";
import { ADMIN_BASE } from "../admin-env.js";
import type { HttpEnv } from "../../http/http-env.js";
import { LoginPage } from "../pages/login-page.js";
import { setSessionCookie } from "../session/set-session-cookie.js";
import type { Sessions } from "../session/sessions.js";

const MAX_PASSWORD = 1024;

// GET /admin/login: the form, with a login-only session whose token the form
// must send back, so another site cannot sign a browser in either.
export function showLogin(sessions: Sessions): Handler<HttpEnv> {
  return async function showLoginForm(c) {
    if (c.var.adminSession?.signedIn) return c.redirect(ADMIN_BASE, 302);
    const { session, value } = sessions.issue(false);
    setSessionCookie(c, value, session.exp - Date.now());
    return c.html(<LoginPage nonce={c.get("secureHeadersNonce")} csrf={session.csrf} />);
  };
}

// POST /admin/login: the password against the configured scrypt hash; a new
// session (new token, so none planted before sign-in survives) on success.
export function signIn(sessions: Sessions, passwordHash: string): Handler<HttpEnv> {
  return async function signInWithPassword(c) {
    const password = (await c.req.parseBody()).password;
    if (typeof password !== "string" || password.length > MAX_PASSWORD) {
      throw new HttpError(
        400,
        "ERR_PASSWORD_FIELD",
        "send the password in the form field password",
      );
    }
    if (!(await verifyPassword(password, passwordHash))) {
      const nonce = c.get("secureHeadersNonce");
      const csrf = c.var.adminSession!.csrf;
      return c.html(<LoginPage nonce={nonce} csrf={csrf} error="Wrong password." />, 401);
    }
    const { value } = sessions.issue(true);
    setSessionCookie(c, value, sessions.ttlMs);
    return c.redirect(ADMIN_BASE, 303);
  };
}

// POST /admin/logout: the session ends here, not only in this browser.
export function signOut(sessions: Sessions): Handler<HttpEnv> {
  return async function signOutSession(c) {
    sessions.revoke(c.var.adminSession!);
    setSessionCookie(c, "", 0);
    return c.redirect(`${ADMIN_BASE}/login`, 303);
  };
}

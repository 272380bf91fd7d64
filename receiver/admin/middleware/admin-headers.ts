import type { MiddlewareHandler } from "hono";
import { NONCE, secureHeaders } from "hono/secure-headers";

// The admin page runs only its own inline script and style (by nonce), in no
// frame, posting only to itself; nothing of it is cached. No HSTS: that is for
// whoever terminates TLS for the whole host to decide.
export function adminHeaders(): MiddlewareHandler {
  const secure = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: [NONCE],
      styleSrc: [NONCE],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
    },
    xFrameOptions: "DENY",
    strictTransportSecurity: false,
  });
  return async function setAdminHeaders(c, next) {
    c.header("cache-control", "no-store");
    await secure(c, next);
  };
}

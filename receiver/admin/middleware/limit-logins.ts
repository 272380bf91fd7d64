import type { MiddlewareHandler } from "hono";
import { AdminError } from "../admin-error.js";
import type { AdminEnv } from "../admin-env.js";

export interface LoginLimit {
  /** Failed sign-ins allowed per address within the window. */
  failures: number;
  windowMs: number;
}

// Guessing the password must be slow: after `failures` wrong passwords from one
// address within the window, sign-ins from it are refused with 429 until the
// oldest failure leaves the window. An attempt counts as a failure while it is
// being checked, so parallel guesses cannot slip past; a success does not count.
export function limitLogins(
  { failures, windowMs }: LoginLimit = { failures: 5, windowMs: 60_000 },
): MiddlewareHandler<AdminEnv> {
  const seen = new Map<string, number[]>();
  return async function limitLoginAttempts(c, next) {
    const address = c.env.incoming.socket.remoteAddress ?? "unknown";
    const now = Date.now();
    if (seen.size > 10_000)
      for (const [a, t] of seen) if (now - (t.at(-1) ?? 0) >= windowMs) seen.delete(a);
    const recent = (seen.get(address) ?? []).filter((at) => now - at < windowMs);
    seen.set(address, recent);
    if (recent.length >= failures) {
      const retryAfter = Math.max(1, Math.ceil((recent[0]! + windowMs - now) / 1000));
      throw new AdminError(
        429,
        "ERR_TOO_MANY_ATTEMPTS",
        `too many failed sign-ins from this address; try again in ${retryAfter} s`,
        { "retry-after": String(retryAfter) },
      );
    }
    recent.push(now);
    try {
      await next();
    } finally {
      if (c.res.status !== 401) recent.splice(recent.indexOf(now), 1);
      if (recent.length === 0) seen.delete(address);
    }
  };
}

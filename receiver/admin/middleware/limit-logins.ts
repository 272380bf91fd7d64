import type { MiddlewareHandler } from "hono";
import type { IncomingMessage } from "node:http";
import { FailureLimiter } from "../../auth/failure-limiter.js";
import type { HttpEnv } from "../../http/http-env.js";
import { tooManyFailures } from "../../http-error.js";

export interface LoginLimit {
  /** Failed sign-ins allowed per client address within the window. */
  failures: number;
  windowMs: number;
}

// Guessing the password must be slow: after `failures` wrong passwords from one client
// within the window, its sign-ins are refused with 429 until the oldest failure leaves
// the window. An attempt counts as a failure while it is being checked, so parallel
// guesses cannot slip past; a success takes it back.
export function limitLogins(
  addressOf: (req: IncomingMessage) => string,
  { failures, windowMs }: LoginLimit = { failures: 5, windowMs: 60_000 },
): MiddlewareHandler<HttpEnv> {
  const limiter = new FailureLimiter(failures, windowMs);
  return async function limitLoginAttempts(c, next) {
    const address = addressOf(c.env.incoming);
    const retryAfter = limiter.retryAfter(address);
    if (retryAfter) {
      throw tooManyFailures(
        "ERR_TOO_MANY_ATTEMPTS",
        `too many failed sign-ins from this address; try again in ${retryAfter} s`,
        retryAfter,
      );
    }
    const undo = limiter.fail(address);
    try {
      await next();
    } finally {
      if (c.res.status !== 401) undo();
    }
  };
}

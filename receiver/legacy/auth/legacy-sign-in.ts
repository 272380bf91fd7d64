import { randomBytes } from "node:crypto";
import type { FailureLimiter } from "../../auth/failure-limiter.js";
import { hashPassword, verifyPassword } from "../../auth/password-hash.js";
import { legacyPrincipal, type LegacyPrincipal } from "../../auth/principal.js";
import { HttpError, tooManyFailures } from "../../http-error.js";
import { basicCredentials } from "./basic-credentials.js";

export interface LegacyUser {
  name: string;
  passwordHash: string;
}

export type LegacySignIn = (
  authorization: string | undefined,
  address: string,
  users: LegacyUser[],
) => Promise<LegacyPrincipal>;

// Checks a legacy link's Basic credentials against the app's legacy.users and
// answers who signed in, by the user's name as configured. User names match
// without regard to case, as Windows accounts do behind IIS. An unknown name costs the same
// scrypt as a known one (no probing for names by timing); hashes are checked
// one at a time (each takes 16 MiB for a moment); addresses that keep failing
// get 429 from the receiver's limiter, shared with the API's tokens. A request
// without credentials is WinINet's first try and does not count as a failure.
export function legacySignIn(failures: FailureLimiter): LegacySignIn {
  let queue: Promise<unknown> = Promise.resolve();
  let decoy: Promise<string> | undefined;
  const oneAtATime = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => {});
    return run;
  };
  return async function signIn(authorization, address, users) {
    const wait = failures.retryAfter(address);
    if (wait) {
      throw tooManyFailures(
        "ERR_RATE_LIMITED",
        `too many failed sign-ins from ${address}; try again in ${wait} s`,
        wait,
      );
    }
    const given = basicCredentials(authorization);
    if (!given) {
      throw new HttpError(
        401,
        "ERR_NO_CREDENTIALS",
        "sign in with a user of this app's legacy.users (HTTP Basic)",
      );
    }
    const user = users.find((u) => u.name.toLowerCase() === given.name.toLowerCase());
    decoy ??= hashPassword(randomBytes(16).toString("hex"));
    const hash = user?.passwordHash ?? (await decoy);
    const ok = await oneAtATime(() => verifyPassword(given.password, hash)).catch(() => false);
    if (!user || !ok) {
      failures.fail(address);
      throw new HttpError(401, "ERR_BAD_CREDENTIALS", "wrong user name or password");
    }
    return legacyPrincipal(user.name);
  };
}

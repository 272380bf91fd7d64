import { setTimeout as sleep } from "node:timers/promises";
import { duration } from "./format.js";

/** Why a request did not get through: the name does not resolve, or nothing answered. */
export type Unreachable = "dns" | "unreachable";

/** A failure after which the same request may simply be sent again. */
export class RetryableError extends Error {
  override name = "RetryableError";
  constructor(
    message: string,
    /** "busy": another deploy runs (409), worth waiting for up to the step's timeout. */
    readonly kind: Unreachable | "busy" = "busy",
  ) {
    super(message);
  }
}

const FIRST_WAIT_MS = 1000;
const MAX_WAIT_MS = 30_000;

/**
 * How long a failure of one kind is tried again, from its first try, before it is given
 * up with its reason: a host name that does not resolve for 30 s is a typo in url, not a
 * passing fault; a receiver that refuses or drops connections for 2 minutes is not
 * restarting. A busy receiver (409) is waited for up to the step's timeout.
 */
export const GIVE_UP_MS: Readonly<Record<RetryableError["kind"], number>> = {
  dns: 30_000,
  unreachable: 120_000,
  busy: Infinity,
};

// Sends again what is worth sending again: 1 s, 2 s, 4 s ... 30 s between tries, each
// try's failure printed with the next wait, until the kind's bound (GIVE_UP_MS) or the
// step's timeout. Anything else fails now.
export async function retry<T>(
  attempt: () => Promise<T>,
  signal: AbortSignal,
  print: (text: string) => void,
  bounds: Readonly<Record<RetryableError["kind"], number>> = GIVE_UP_MS,
): Promise<T> {
  let since = Date.now();
  let kind: RetryableError["kind"] | undefined;
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof RetryableError) || signal.aborted) throw error;
      if (error.kind !== kind) [kind, since] = [error.kind, Date.now()];
      const left = since + bounds[kind] - Date.now();
      const gaveUp = (why: string) => new Error(`${error.message}; ${why}`);
      const over = `gave up after ${tries} tries over ${duration(Date.now() - since)}`;
      if (left <= 0) throw gaveUp(over);
      const wait = Math.min(FIRST_WAIT_MS * 2 ** (tries - 1), MAX_WAIT_MS, left);
      const bound = Number.isFinite(bounds[kind])
        ? `, giving up ${duration(bounds[kind])} after the first`
        : "";
      print(`${error.message}; trying again in ${duration(wait)} (try ${tries}${bound})`);
      await sleep(wait, undefined, { signal }).catch(() => {
        throw gaveUp(`gave up after ${tries} tries`);
      });
    }
  }
}

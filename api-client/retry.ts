import { setTimeout as sleep } from "node:timers/promises";
import { duration } from "./format.js";

/** A failure after which the same request may simply be sent again. */
export class RetryableError extends Error {
  override name = "RetryableError";
}

const FIRST_WAIT_MS = 1000;
const MAX_WAIT_MS = 30_000;

// A receiver that is restarting, or busy with another deploy (409), is worth waiting for
// up to the step's timeout: 1 s, 2 s, 4 s ... 30 s between tries. Anything else fails now.
export async function retry<T>(
  attempt: () => Promise<T>,
  signal: AbortSignal,
  print: (text: string) => void,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof RetryableError) || signal.aborted) throw error;
      const wait = Math.min(FIRST_WAIT_MS * 2 ** (tries - 1), MAX_WAIT_MS);
      print(`${error.message}; trying again in ${duration(wait)}`);
      await sleep(wait, undefined, { signal }).catch(() => {
        throw new Error(`${error.message} (gave up after ${tries} tries)`);
      });
    }
  }
}

// What is tried again and for how long: each kind of failure has a bound of its own,
// every wait is said, and the give-up names the reason, the tries and the time.
import { describe, expect, it } from "vitest";
import { GIVE_UP_MS, retry, RetryableError } from "../../api-client/retry.js";

const never = new AbortController().signal;

describe("retry", () => {
  it("bounds a host that does not resolve and one that refuses; waits for a busy receiver up to the step's timeout", () => {
    expect(GIVE_UP_MS).toEqual({ dns: 30_000, unreachable: 120_000, busy: Infinity });
  });

  it("gives a refused connection up at its bound, saying each wait and then why it stopped", async () => {
    const printed: string[] = [];
    let tries = 0;
    const refused = () => {
      tries++;
      throw new RetryableError(
        "cannot reach http://127.0.0.1:9: connect ECONNREFUSED",
        "unreachable",
      );
    };
    const bounds = { ...GIVE_UP_MS, unreachable: 2500 };
    const error = await retry(refused, never, (t) => printed.push(t), bounds).catch(
      (e: Error) => e,
    );
    expect(printed[0]).toBe(
      "cannot reach http://127.0.0.1:9: connect ECONNREFUSED; trying again in 1.0 s (try 1, giving up 2.5 s after the first)",
    );
    // The second wait is what is left of the bound, not the 2 s the backoff would take.
    expect(printed[1]).toMatch(
      /; trying again in [\d.]+ m?s \(try 2, giving up 2\.5 s after the first\)$/,
    );
    expect(printed[1]).not.toContain("again in 2.0 s");
    expect((error as Error).message).toBe(
      `cannot reach http://127.0.0.1:9: connect ECONNREFUSED; gave up after ${tries} tries over ${(error as Error).message.match(/over ([\d.]+ s)$/)?.[1]}`,
    );
    expect(Number((error as Error).message.match(/over ([\d.]+) s$/)?.[1])).toBeGreaterThanOrEqual(
      2.5,
    );
  });

  it("fails at once on anything not worth sending again", async () => {
    let tries = 0;
    const broken = () => {
      tries++;
      throw new Error("answered plain HTTP, not TLS");
    };
    await expect(retry(broken, never, () => {})).rejects.toThrow("plain HTTP");
    expect(tries).toBe(1);
  });

  it("a busy receiver is tried until the step's signal ends it", async () => {
    const step = new AbortController();
    let tries = 0;
    const busy = () => {
      if (++tries === 2) step.abort();
      throw new RetryableError("receiver answered 409 ERR_BUSY: a deploy is running");
    };
    const printed: string[] = [];
    const error = await retry(busy, step.signal, (t) => printed.push(t)).catch((e: Error) => e);
    expect(printed).toEqual([
      "receiver answered 409 ERR_BUSY: a deploy is running; trying again in 1.0 s (try 1)",
    ]);
    expect((error as Error).message).toContain("a deploy is running");
  });
});

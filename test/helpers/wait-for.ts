// Polls a condition until it holds or the deadline passes: tests never sleep a
// fixed time to wait for something. The one polling helper of the tests.

export interface WaitOptions {
  /** Time between two checks; longer where one check is costly (a request, a token). */
  intervalMs?: number;
}

/**
 * Resolve with check()'s first truthy value; throw "timed out after N ms waiting for
 * <what>" once timeoutMs has passed without one. An error check() throws ends the wait
 * at once (a check may assert that nothing else happens meanwhile).
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 15_000,
  { intervalMs = 20 }: WaitOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

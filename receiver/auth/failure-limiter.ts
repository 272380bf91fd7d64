// A client that keeps presenting bad credentials (tokens, the admin password, Basic
// users) is guessing or broken: after `max` failures within a window its address gets
// 429 at once, before any checking, until the window has passed. Successes do not
// count. One class for every limit; each caller keys it by the client's address
// (net/client-address.ts), never by a proxy's.
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly max = 30,
    private readonly windowMs = 60_000,
  ) {}

  /** Seconds until `address` may try again, or 0 if it may now. */
  retryAfter(address: string): number {
    if (this.max === 0) return 0; // off
    const recent = this.recent(address);
    if (recent.length < this.max) return 0;
    return Math.max(1, Math.ceil((recent[0]! + this.windowMs - Date.now()) / 1000));
  }

  /** Counts a failure; the answer takes it back (an attempt that turned out good). */
  fail(address: string): () => void {
    const at = Date.now();
    const recent = this.recent(address);
    recent.push(at);
    this.failures.set(address, recent.slice(-this.max));
    if (this.failures.size > 10_000) this.forgetOld();
    return () => {
      const list = this.failures.get(address);
      const index = list?.lastIndexOf(at) ?? -1;
      if (index >= 0) list!.splice(index, 1);
      if (list?.length === 0) this.failures.delete(address);
    };
  }

  private recent(address: string): number[] {
    const since = Date.now() - this.windowMs;
    return (this.failures.get(address) ?? []).filter((t) => t > since);
  }

  private forgetOld(): void {
    for (const address of this.failures.keys()) {
      if (this.recent(address).length === 0) this.failures.delete(address);
    }
  }
}

// One operation per app at a time (docs/design.md, guarantee 5): a second one is refused at
// once with 409 rather than queued, so a CI retry sees the conflict. Only the
// receiver's own shutdown waits its turn (acquire), so it never cuts a swap.
export class AppLock {
  private holder: string | undefined;
  /** What the holder is, in words (its operation: deploy, swap, …); the id when not given. */
  private what: string | undefined;
  private readonly waiters: (() => void)[] = [];

  get busy(): string | undefined {
    return this.holder;
  }

  /** What holds the lock, in words, for the pages: "deploy", or the receiver's own task ("start", "stop"). */
  get busyWith(): string | undefined {
    return this.what;
  }

  tryAcquire(id: string, what = id): boolean {
    if (this.holder) return false;
    this.holder = id;
    this.what = what;
    return true;
  }

  /** Waits up to timeoutMs for the lock; false if it is still taken then. */
  async acquire(id: string, timeoutMs: number, what = id): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.tryAcquire(id, what)) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, left);
        this.waiters.push(() => (clearTimeout(timer), wake()));
      });
    }
    return true;
  }

  release(id: string): void {
    if (this.holder !== id) return;
    this.holder = undefined;
    this.what = undefined;
    this.waiters.splice(0).forEach((wake) => wake());
  }
}

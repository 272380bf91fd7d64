// Guarantee 2 (docs/design.md) needs to know when nothing is left to answer: a count of work under way
// and a way to wait for it to reach zero, with a deadline, without cutting anyone off.
export class Inflight {
  #count = 0;
  readonly #waiters = new Set<() => void>();

  get count(): number {
    return this.#count;
  }

  add(): void {
    this.#count++;
  }

  done(): void {
    this.#count--;
    if (this.#count > 0) return;
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  // True once the count is zero, false if timeoutMs passes first.
  idle(timeoutMs: number): Promise<boolean> {
    if (this.#count <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onIdle = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(onIdle);
        resolve(false);
      }, timeoutMs);
      this.#waiters.add(onIdle);
    });
  }
}

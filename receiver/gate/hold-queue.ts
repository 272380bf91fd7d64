import type { Exchange } from "./exchange.js";

export interface HoldLimits {
  timeoutMs: number;
  maxRequests: number;
}

interface Waiting {
  ex: Exchange;
  timer: NodeJS.Timeout;
  leave: () => void;
}

// Guarantee 1 (docs/design.md) in one place: requests wait here in arrival order while the app is on
// hold or has no server up, but never more than maxRequests of them and never longer
// than timeoutMs (then `expire` answers them). A client that gives up leaves the line.
export class HoldQueue {
  readonly #waiting: Waiting[] = [];

  constructor(
    private readonly limits: HoldLimits,
    private readonly expire: (ex: Exchange) => void,
  ) {}

  get size(): number {
    return this.#waiting.length;
  }

  // False when the queue is full. `first` puts back a request that was already waiting
  // longer than everyone else in the line.
  add(ex: Exchange, first = false): boolean {
    if (this.#waiting.length >= this.limits.maxRequests) return false;
    if (ex.res.destroyed) return true; // the client is gone: nobody to hold for
    const left = Math.max(0, this.limits.timeoutMs - (Date.now() - ex.arrived));
    const entry: Waiting = {
      ex,
      timer: setTimeout(() => {
        this.#remove(entry);
        this.expire(ex);
      }, left),
      leave: () => this.#remove(entry),
    };
    ex.res.once("close", entry.leave);
    if (first) this.#waiting.unshift(entry);
    else this.#waiting.push(entry);
    return true;
  }

  // The longest-waiting request, out of the queue.
  take(): Exchange | undefined {
    const entry = this.#waiting.shift();
    if (entry === undefined) return undefined;
    this.#forget(entry);
    return entry.ex;
  }

  // Everyone still waiting, out of the queue, in arrival order.
  clear(): Exchange[] {
    const all = this.#waiting.splice(0);
    for (const entry of all) this.#forget(entry);
    return all.map((entry) => entry.ex);
  }

  #remove(entry: Waiting): void {
    const index = this.#waiting.indexOf(entry);
    if (index >= 0) this.#waiting.splice(index, 1);
    this.#forget(entry);
  }

  #forget(entry: Waiting): void {
    clearTimeout(entry.timer);
    entry.ex.res.off("close", entry.leave);
  }
}

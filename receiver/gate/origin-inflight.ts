import { Inflight } from "./inflight.js";

// An overlap swap drains the old servers while new requests already flow to the new
// ones, so it waits for the requests of some origins only: one count per origin.
// Each pool gets fresh ports, so a count is dropped once it is back to zero.
export class OriginInflight {
  readonly #counts = new Map<string, Inflight>();

  add(origin: string): void {
    let count = this.#counts.get(origin);
    if (count === undefined) this.#counts.set(origin, (count = new Inflight()));
    count.add();
  }

  done(origin: string): void {
    const count = this.#counts.get(origin);
    if (count === undefined) return;
    count.done(); // wakes whoever waits for this origin
    if (count.count <= 0) this.#counts.delete(origin);
  }

  // True once none of `origins` has a request in flight, false if timeoutMs passes first.
  async idle(origins: Iterable<string>, timeoutMs: number): Promise<boolean> {
    const waits = [...origins].map((origin) => this.#counts.get(origin)?.idle(timeoutMs) ?? true);
    return (await Promise.all(waits)).every(Boolean);
  }
}

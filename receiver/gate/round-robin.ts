import type { Target } from "../pool/target.js";

// Spreads requests evenly over the app's instances. A retry passes the origins this
// request already found unreachable, so it moves on to the next instance instead.
export class RoundRobin {
  #next = 0;

  pick(targets: readonly Target[], skip: ReadonlySet<string>): Target | undefined {
    const count = targets.length;
    for (let step = 0; step < count; step++) {
      const index = (this.#next + step) % count;
      const target = targets[index];
      if (target === undefined || skip.has(target.origin)) continue;
      this.#next = (index + 1) % count;
      return target;
    }
    return undefined;
  }
}

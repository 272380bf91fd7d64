import type { AnswerCounts } from "../protocol.js";

/** Windows kept: with the gate's 5 s roll, the last 55–60 s of answers. */
const WINDOWS = 12;

// The gate's answers and errors over the last minute, in 5 s windows the gate's tick
// rolls: what a watch judges a new build against when no old server answers beside it
// (docs/design.md guarantee 11: a build is not blamed for errors the old one had too).
// Counting an answer costs two increments.
export class AnswerWindow {
  readonly #requests: number[] = new Array<number>(WINDOWS).fill(0);
  readonly #errors: number[] = new Array<number>(WINDOWS).fill(0);
  #now = 0;

  add(error: boolean): void {
    this.#requests[this.#now]!++;
    if (error) this.#errors[this.#now]!++;
  }

  roll(): void {
    this.#now = (this.#now + 1) % WINDOWS;
    this.#requests[this.#now] = 0;
    this.#errors[this.#now] = 0;
  }

  /** Forgets every window: what serves now is not what answered them. */
  reset(): void {
    this.#requests.fill(0);
    this.#errors.fill(0);
  }

  /** The answers of the last minute. */
  counts(): AnswerCounts {
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    return { requests: sum(this.#requests), errors: sum(this.#errors) };
  }
}

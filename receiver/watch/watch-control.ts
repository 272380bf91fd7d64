import type { AnswerCounts, WatchStatus } from "../protocol.js";

/** How a watch may be ended before its time. */
export type Ending = { how: "promoted" | "aborted"; by: string };

// One deploy's judging by traffic, from its swap to its result: the canary and watch
// steps report their live counts here (what GET /v1/apps/{app} and the admin page
// show), and promote or abort (the API, the admin page, a new deploy or a rollback)
// end them here. An ending holds for the rest of the deploy: a promote during the
// canary skips the watch after it.
export class WatchControl {
  constructor(
    readonly deployId: string,
    /**
     * What the watch judges the new build against: the gate's answers over the minute
     * before the deploy, or, after a canary, the old servers' answers during it (the
     * same minutes the new build was judged in).
     */
    public baseline: AnswerCounts,
  ) {}

  #ending: Ending | undefined;
  #closed = false;
  #wake: (() => void) | undefined;
  #live: (() => WatchStatus) | undefined;

  get ending(): Ending | undefined {
    return this.#ending;
  }

  /** The step under way, with its counts; undefined between steps. */
  get live(): WatchStatus | undefined {
    return this.#live?.();
  }

  /** Whether judging is over (the last step ended, or one rejected the build). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Judging is over: promote and abort have nothing left to end. */
  close(): void {
    this.#closed = true;
  }

  /** Ends the running step (and any after it) now; false if ended already, or judging is over. */
  end(how: Ending["how"], by: string): boolean {
    if (this.#ending || this.#closed) return false;
    this.#ending = { how, by };
    this.#wake?.();
    return true;
  }

  /** For the running step: its counts as they change, and how to wake it when ended. */
  running(live: (() => WatchStatus) | undefined, wake?: () => void): void {
    this.#live = live;
    this.#wake = wake;
  }
}

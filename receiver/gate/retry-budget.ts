export interface RetryBudgetOptions {
  /** Share of recent requests that may be sent a second time. */
  ratio: number;
  /** Resends allowed in any window however few requests there were. */
  min: number;
}

// Envoy's retry budget: resends may add at most `ratio` to the load of the last two
// windows, so one request pattern that keeps killing servers cannot multiply itself.
// The gate's tick rolls the windows; counting a request costs one increment.
export class RetryBudget {
  #requests = 0;
  #resends = 0;
  #previousRequests = 0;
  #previousResends = 0;

  constructor(private readonly options: RetryBudgetOptions = { ratio: 0.2, min: 3 }) {}

  request(): void {
    this.#requests++;
  }

  /** Takes one resend from the budget; false when it is spent. */
  take(): boolean {
    const requests = this.#requests + this.#previousRequests;
    const allowed = Math.max(this.options.min, requests * this.options.ratio);
    if (this.#resends + this.#previousResends >= allowed) return false;
    this.#resends++;
    return true;
  }

  roll(): void {
    this.#previousRequests = this.#requests;
    this.#previousResends = this.#resends;
    this.#requests = 0;
    this.#resends = 0;
  }
}

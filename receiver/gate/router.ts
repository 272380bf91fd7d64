import type { Target } from "../pool/target.js";
import type { Exchange } from "./exchange.js";
import { forward, type Outcome } from "./forward.js";
import { HoldQueue, type HoldLimits } from "./hold-queue.js";
import { Inflight } from "./inflight.js";
import { OriginInflight } from "./origin-inflight.js";
import { refuse } from "./refuse.js";
import { RoundRobin } from "./round-robin.js";
import { Upstreams } from "./upstreams.js";

export interface RouterOptions {
  app: string;
  hold: HoldLimits;
  targets: () => Target[];
  /** A server could not be reached; `origin` tells which pool's instance it was. */
  onUpstreamFailure?: (instance: number, origin: string) => void;
  log: (level: "info" | "warn" | "error", message: string) => void;
}

// Decides where each request goes: to a server now, into the hold queue, or back to
// the client as a refusal, and what happens when a server cannot be reached.
export class Router {
  readonly queue: HoldQueue;
  readonly inflight = new Inflight(); // attempts under way upstream
  readonly byOrigin = new OriginInflight(); // the same, per server
  readonly upstreams = new Upstreams();
  held = false;
  closing = false;
  served = 0;
  rejected = 0;
  /** Requests that waited in the hold queue (each counted once, however it ended). */
  queuedTotal = 0;
  readonly #balance = new RoundRobin();
  readonly #retryAfter: number;

  constructor(private readonly options: RouterOptions) {
    this.#retryAfter = Math.max(1, Math.ceil(options.hold.timeoutMs / 1000));
    this.queue = new HoldQueue(options.hold, (ex) =>
      this.refuse(ex, 503, `stayed on hold longer than ${this.#retryAfter}s`),
    );
  }

  route(ex: Exchange): void {
    if (this.closing) return this.refuse(ex, 503, "is shutting down");
    const targets = this.held ? [] : this.options.targets(); // built once per request
    if (targets.length === 0) {
      this.queuedTotal++;
      this.#wait(ex);
    } else this.#send(ex, targets);
  }

  // Held requests go out in arrival order while there is a server to take them. Only
  // those queued now: one that comes back (every server refused it) waits for a wake.
  flush(): void {
    for (let n = this.queue.size; n > 0 && this.options.targets().length > 0; n--) {
      const ex = this.queue.take();
      if (ex === undefined) return;
      ex.tried.clear();
      this.#send(ex);
    }
  }

  refuse(ex: Exchange, status: number, reason: string, retry = status === 503): void {
    this.rejected++;
    const options = { retryAfter: retry ? this.#retryAfter : undefined, close: this.closing };
    refuse(ex.res, status, `hotswap: ${this.options.app} ${reason}`, options);
  }

  // Into the hold queue, or a 503 at once when it is full (or the gate is closing).
  #wait(ex: Exchange, first = false): void {
    if (this.closing) return this.refuse(ex, 503, "is shutting down");
    if (!this.queue.add(ex, first)) this.refuse(ex, 503, "is on hold and the queue is full");
  }

  #send(ex: Exchange, targets = this.held ? [] : this.options.targets()): void {
    const target = this.#balance.pick(targets, ex.tried);
    if (target === undefined) return this.#wait(ex, true); // wait for the pool to bring one up
    ex.tried.add(target.origin);
    this.inflight.add();
    this.byOrigin.add(target.origin);
    forward(ex, this.upstreams.get(target.origin), (outcome, error) => {
      this.#settle(ex, target, outcome, error); // a retry counts in before this one counts out
      this.inflight.done();
      this.byOrigin.done(target.origin);
    });
  }

  #settle(ex: Exchange, target: Target, outcome: Outcome, error?: Error): void {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    const why = code ?? error?.message;
    if (outcome === "served") {
      this.served++;
    } else if (outcome === "unreachable") {
      this.options.log("warn", `instance ${target.instance} at ${target.origin}: ${why}`);
      this.options.onUpstreamFailure?.(target.instance, target.origin);
      if (!ex.hasBody) return this.#send(ex); // nothing sent that could not be sent again
      this.refuse(ex, 502, `could not reach instance ${target.instance} (${why})`);
    } else if (outcome === "failed" && !ex.res.headersSent) {
      this.options.log("error", `instance ${target.instance}: ${why}`);
      if (code === "UND_ERR_HEADERS_TIMEOUT") {
        this.refuse(ex, 504, `instance ${target.instance} did not answer in time`);
      } else {
        this.refuse(ex, 502, `instance ${target.instance} failed (${why})`);
      }
    }
  }
}

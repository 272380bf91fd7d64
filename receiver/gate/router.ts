import type { Target } from "../pool/target.js";
import { AnswerWindow } from "./answer-window.js";
import { Attempts, type Attempt } from "./attempts.js";
import type { BodyLimits } from "./body-guard.js";
import { canaryBucket, inCanary, type CanarySplit } from "./canary-split.js";
import type { Exchange } from "./exchange.js";
import { forward } from "./forward.js";
import { HoldQueue, type HoldLimits } from "./hold-queue.js";
import { CutError, StalledError, type Outcome } from "./outcome.js";
import { refuse } from "./refuse.js";
import { requestHeaders, type TrustProxy } from "./request-headers.js";
import { RetryBudget } from "./retry-budget.js";
import { RoundRobin } from "./round-robin.js";
import { tunnel } from "./tunnel.js";
import { Upstreams } from "./upstreams.js";

export interface RouterOptions {
  app: string;
  hold: HoldLimits;
  body: BodyLimits;
  /** How long a connect may take, and how long a server may owe answers in silence. */
  stallMs: number;
  trustProxy: TrustProxy;
  targets: () => Target[];
  /** Why the app has no server and will not have one by waiting (it cannot start). */
  unavailable?: () => string | undefined;
  /** A server failed or stalled; `origin` tells which pool's instance it was. */
  onUpstreamFailure?: (instance: number, origin: string) => void;
  log: (level: "info" | "warn" | "error", message: string) => void;
}

/** Told of every answer from a server while a build is judged: error = 5xx or none came. */
export type AnswerObserver = (origin: string, error: boolean) => void;

/** A stalled server whose health check has not answered in this long is taken as hung. */
const CONFIRM_HUNG_MS = 500;

// Decides where each request goes: to a server now, into the hold queue, or back to
// the client as a refusal; and, when an attempt fails, whether it may go out again.
// The retry policy (docs/design.md, guarantee 9) is all in #settle: a request that cannot
// have reached the app goes to another server; one that may have reached it goes out
// once more only if it is idempotent, no answer byte came back and the retry budget
// allows; a request that two servers failed on is answered 502 at once.
export class Router {
  readonly queue: HoldQueue;
  readonly attempts = new Attempts();
  readonly upstreams: Upstreams;
  readonly budget = new RetryBudget();
  held = false;
  closing = false;
  served = 0;
  rejected = 0;
  /** Requests that waited in the hold queue (each counted once, however it ended). */
  queuedTotal = 0;
  /** Requests sent to a second server after the first failed with them. */
  resent = 0;
  /** Every server's answers over the last minute: a watch's baseline. */
  readonly answers = new AnswerWindow();
  /** While a build is judged (a watch or canary): told of each server's answers. */
  observe: AnswerObserver | undefined;
  /** While a canary runs: the share of clients that go to its servers. */
  split: CanarySplit | undefined;
  readonly #balance = new RoundRobin();
  readonly #retryAfter: number;
  /** Requests a failed server had, going out again one at a time: origin → those waiting. */
  readonly #lines = new Map<string, Exchange[]>();
  /** Stalled servers not yet back in rotation: origin → when they were named. */
  readonly #suspects = new Map<string, { since: number; attempts: Attempt[] }>();

  constructor(private readonly options: RouterOptions) {
    this.#retryAfter = Math.max(1, Math.ceil(options.hold.timeoutMs / 1000));
    this.upstreams = new Upstreams(options.stallMs);
    this.queue = new HoldQueue(options.hold, (ex) =>
      this.refuse(ex, 503, `stayed on hold longer than ${this.#retryAfter}s`),
    );
  }

  route(ex: Exchange): void {
    if (this.closing) return this.refuse(ex, 503, "is shutting down");
    this.budget.request();
    const targets = this.held ? [] : this.#targets(ex); // built once per request
    if (targets.length > 0) return this.#send(ex, targets);
    const down = this.held ? undefined : this.options.unavailable?.();
    if (down !== undefined) return this.refuse(ex, 503, down);
    this.queuedTotal++;
    this.#wait(ex);
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
    const down = this.options.unavailable?.();
    if (down !== undefined && !this.held && this.options.targets().length === 0) {
      for (const ex of this.queue.clear()) this.refuse(ex, 503, down);
    }
  }

  refuse(ex: Exchange, status: number, reason: string, retry = status === 503): void {
    this.rejected++;
    const close = this.closing || ex.upgrade !== undefined;
    refuse(ex.res, status, `hotswap: ${this.options.app} ${reason}`, {
      retryAfter: retry ? this.#retryAfter : undefined,
      close,
    });
  }

  // Called a few times a second: servers that owe answers and send none leave rotation
  // at once (the pool checks them again); if their health check does not bring them
  // back soon, their idempotent requests go to another server.
  tick(): void {
    const { stallMs, log, onUpstreamFailure } = this.options;
    for (const { origin, instance, unanswered } of this.attempts.stalled(stallMs)) {
      if (this.#suspects.has(origin)) continue;
      log(
        "info",
        `instance ${instance} at ${origin} sent no answer for ${stallMs} ms with ${unanswered.length} request(s) waiting: out of rotation until its health check answers`,
      );
      this.#suspects.set(origin, { since: Date.now(), attempts: unanswered });
      onUpstreamFailure?.(instance, origin);
    }
    if (this.#suspects.size === 0) return;
    const serving = new Set(this.options.targets().map((t) => t.origin));
    for (const [origin, suspect] of this.#suspects) {
      if (serving.has(origin)) {
        this.#suspects.delete(origin); // it answered its health check: only slow
        this.attempts.excuse(suspect.attempts);
      } else if (Date.now() - suspect.since >= CONFIRM_HUNG_MS) {
        this.#suspects.delete(origin);
        const resend = suspect.attempts.filter((a) => !a.answered && a.ex.idempotent);
        log(
          "warn",
          `instance ${suspect.attempts[0]?.instance} at ${origin} is hung (no answer for ${stallMs} ms, no health check answer): ${resend.length} idempotent request(s) go to another server`,
        );
        const stalled = new StalledError(
          `sent no answer for ${stallMs} ms and failed its health check`,
        );
        for (const a of resend) a.abort(stalled);
      }
    }
  }

  /** Ends every attempt (to `origins`, when given): drainTimeout has passed. */
  cut(origins?: Iterable<string>): number {
    return this.attempts.cut(new CutError("was still running at drainTimeout"), origins);
  }

  // The requests a server had when it died go out again one at a time: if one of them
  // killed it, it takes no other with it to a second server (each may fail only twice).
  // The line moves on once a request has run on a server, or its client is gone.
  #resend(ex: Exchange, from: string): void {
    const line = this.#lines.get(from);
    if (line !== undefined) return void line.push(ex);
    this.#lines.set(from, []);
    this.#resendNow(ex, from);
  }

  #resendNow(ex: Exchange, from: string): void {
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      ex.res.off("close", release);
      ex.afterAttempt = undefined;
      const line = this.#lines.get(from) ?? [];
      let next = line.shift();
      while (next?.res.destroyed) next = line.shift();
      if (next === undefined) this.#lines.delete(from);
      else this.#resendNow(next, from);
    };
    ex.res.once("close", release);
    ex.afterAttempt = release;
    this.resent++;
    ex.tried = new Set([from]);
    this.#send(ex);
  }

  // Into the hold queue, or a 503 at once when it is full (or the gate is closing).
  #wait(ex: Exchange, first = false): void {
    if (this.closing) return this.refuse(ex, 503, "is shutting down");
    if (!this.queue.add(ex, first)) this.refuse(ex, 503, "is on hold and the queue is full");
  }

  // The servers for this request: the serving pool's, or during a canary the canary's
  // for the share of clients it takes (while it has a server up).
  #targets(ex: Exchange): Target[] {
    const split = this.split;
    if (split === undefined) return this.options.targets();
    ex.bucket ??= canaryBucket(ex.req, this.options.trustProxy);
    if (!inCanary(ex.bucket, split.share)) return this.options.targets();
    // No canary server up, or every one failed this request already: the serving pool's.
    const canary = split.targets();
    const untried = canary.some((t) => !ex.tried.has(t.origin));
    return untried ? canary : this.options.targets();
  }

  #send(ex: Exchange, targets = this.held ? [] : this.#targets(ex)): void {
    const target = this.#balance.pick(targets, ex.tried);
    if (target === undefined) return this.#wait(ex, true); // wait for the pool to bring one up
    ex.tried.add(target.origin);
    const { instance, origin } = target;
    const headers = requestHeaders(ex.req, this.options.trustProxy);
    const answered = (status?: number): void => {
      attempt.status = status;
      this.attempts.answered(attempt);
    };
    const done = (outcome: Outcome, error?: Error): void => {
      this.attempts.end(attempt); // before a resend counts in
      const after = outcome === "unsent" ? undefined : ex.afterAttempt;
      if (after) ex.afterAttempt = undefined;
      this.#settle(ex, attempt, outcome, error);
      after?.();
    };
    // Counted in before it starts: undici may report a failure before dispatch returns.
    const attempt: Attempt = {
      ex,
      instance,
      origin,
      answered: false,
      status: undefined, // one shape for every attempt, set before it is passed around
      abort: () => {},
    };
    this.attempts.begin(attempt);
    if (ex.upgrade) {
      headers.connection = "upgrade";
      headers.upgrade = ex.req.headers.upgrade ?? "";
      const port = Number(new URL(origin).port);
      const connectTimeoutMs = this.options.stallMs;
      attempt.abort = tunnel(ex, { port, headers, connectTimeoutMs, answered }, done);
    } else {
      const pool = this.upstreams.get(origin);
      const body = this.options.body;
      attempt.abort = forward(ex, { pool, headers, body, answered }, done);
    }
  }

  // What the app answered, as a watch judges it (guarantee 11): a 5xx, or no whole
  // answer at all, is an error; a request that never reached it, or whose client left
  // or was too slow, says nothing about the build.
  #count(origin: string, outcome: Outcome, status: number | undefined): void {
    if (outcome === "unsent" || outcome === "gone" || outcome === "slow-client") return;
    const error = outcome !== "served" || (status !== undefined && status >= 500);
    this.answers.add(error);
    this.observe?.(origin, error);
  }

  #settle(ex: Exchange, attempt: Attempt, outcome: Outcome, error?: Error): void {
    const { instance, origin } = attempt;
    const why = (error as NodeJS.ErrnoException | undefined)?.code ?? error?.message;
    const { log, onUpstreamFailure } = this.options;
    this.#count(origin, outcome, attempt.status);
    switch (outcome) {
      case "served":
        this.served++;
        return;
      case "gone":
        return;
      case "cut":
        log("warn", `instance ${instance}: answer cut (${error?.message ?? why})`);
        return;
      case "slow-client":
        return this.refuse(ex, 408, `request ${error?.message ?? "body too slow"}`);
      case "timeout":
        log("error", `instance ${instance}: ${why}`);
        return this.refuse(ex, 504, `instance ${instance} did not answer in time`);
    }
    if (error instanceof CutError) return this.refuse(ex, 503, `request ${error.message}`);
    log("warn", `instance ${instance} at ${origin}: ${why}`);
    if (!(error instanceof StalledError)) onUpstreamFailure?.(instance, origin); // already told
    if (outcome === "unsent") return this.#send(ex); // it never reached the app
    ex.failures++;
    if (ex.failures >= 2) {
      return this.refuse(ex, 502, `request failed on two servers (${why}); not sent again`, false);
    }
    // A hung server's requests move without the budget: its health check confirmed it.
    const confirmed = error instanceof StalledError;
    if (ex.idempotent && (confirmed || this.budget.take())) return this.#resend(ex, origin);
    const kept = ex.idempotent ? "the retry budget is spent" : "it may have run";
    this.refuse(
      ex,
      502,
      `instance ${instance} failed after the request reached it (${why}); not sent again: ${kept}`,
    );
  }
}

import type { Exchange } from "./exchange.js";
import { Inflight } from "./inflight.js";

// One try at sending a request (or opening a tunnel) to one server.
export interface Attempt {
  readonly ex: Exchange;
  readonly instance: number;
  readonly origin: string;
  /** The first answer byte came back (headers, or the tunnel's first bytes). */
  answered: boolean;
  /** Ends it now: the request upstream is aborted, an answer under way is cut. */
  abort(reason: Error): void;
}

interface Server {
  readonly attempts: Set<Attempt>;
  readonly inflight: Inflight;
  /** Attempts sent that have no answer byte yet. */
  awaiting: number;
  /** Date.now() of the last sign of life: an answer began, or the first wait started. */
  progressAt: number;
}

// Every attempt under way, by server: what a drain waits for (all of them, or only the
// old servers' during an overlap switch), what it cuts at drainTimeout, and where
// passive health looks for a server that owes answers and sends none.
export class Attempts {
  readonly #servers = new Map<string, Server>();
  readonly #all = new Inflight();

  get count(): number {
    return this.#all.count;
  }

  begin(attempt: Attempt): void {
    let server = this.#servers.get(attempt.origin);
    if (server === undefined) {
      server = { attempts: new Set(), inflight: new Inflight(), awaiting: 0, progressAt: 0 };
      this.#servers.set(attempt.origin, server);
    }
    if (server.awaiting++ === 0) server.progressAt = Date.now();
    server.attempts.add(attempt);
    server.inflight.add();
    this.#all.add();
  }

  /** The attempt's first answer byte came back: its server is alive. */
  answered(attempt: Attempt): void {
    if (attempt.answered) return;
    attempt.answered = true;
    const server = this.#servers.get(attempt.origin);
    if (server === undefined) return;
    server.awaiting--;
    server.progressAt = Date.now();
  }

  end(attempt: Attempt): void {
    const server = this.#servers.get(attempt.origin);
    if (server === undefined || !server.attempts.delete(attempt)) return;
    if (!attempt.answered) server.awaiting--;
    server.inflight.done(); // wakes whoever drains this server
    this.#all.done();
    if (server.attempts.size === 0) this.#servers.delete(attempt.origin); // fresh ports each pool
  }

  /** True once nothing is in flight (to `origins`, when given), false if timeoutMs passes first. */
  async idle(timeoutMs: number, origins?: Iterable<string>): Promise<boolean> {
    if (origins === undefined) return this.#all.idle(timeoutMs);
    const waits = [...origins].map((o) => this.#servers.get(o)?.inflight.idle(timeoutMs) ?? true);
    return (await Promise.all(waits)).every(Boolean);
  }

  /** Aborts every attempt (to `origins`, when given); answers how many there were. */
  cut(reason: Error, origins?: Iterable<string>): number {
    const which = origins === undefined ? [...this.#servers.keys()] : [...origins];
    let cut = 0;
    for (const origin of which) {
      for (const attempt of [...(this.#servers.get(origin)?.attempts ?? [])]) {
        attempt.abort(reason);
        cut++;
      }
    }
    return cut;
  }

  // Servers that have owed an answer for longer than stallMs and sent no answer byte to
  // anyone meanwhile, each with its unanswered attempts. A server is named once per
  // stall: its clock restarts, so it is named again only if it stays silent.
  stalled(stallMs: number): { origin: string; instance: number; unanswered: Attempt[] }[] {
    const now = Date.now();
    const found = [];
    for (const [origin, server] of this.#servers) {
      if (server.awaiting === 0 || now - server.progressAt < stallMs) continue;
      server.progressAt = now;
      const unanswered = [...server.attempts].filter((a) => !a.answered);
      const instance = unanswered[0]?.instance ?? 0;
      found.push({ origin, instance, unanswered });
    }
    return found;
  }
}

import type { Exchange } from "./exchange.js";
import { Inflight } from "./inflight.js";

// One try at sending a request (or opening a tunnel) to one server.
export interface Attempt {
  readonly ex: Exchange;
  readonly instance: number;
  readonly origin: string;
  /** The first answer byte came back (headers, or the tunnel's first bytes). */
  answered: boolean;
  /** The answer's status, once its headers came back (a tunnel has none). */
  status?: number;
  /** Date.now() when it went out (set by Attempts.begin). */
  startedAt?: number;
  /** Its server answered a health check while it waited: it is slow, not hung. */
  excused?: boolean;
  /** Ends it now: the request upstream is aborted, an answer under way is cut. */
  abort: (reason: Error) => void;
}

interface Server {
  readonly attempts: Set<Attempt>;
  readonly inflight: Inflight;
  /** Attempts sent that have no answer byte yet. */
  awaiting: number;
  /** Date.now() of the server's last answer byte to anyone. */
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
    server.awaiting++;
    attempt.startedAt = Date.now();
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

  // Servers that sent no answer byte to anyone for stallMs while a request of theirs has
  // waited that long, each with its unanswered requests. A server found slow but alive
  // (`excuse`) is named again only for requests sent after that.
  stalled(stallMs: number): { origin: string; instance: number; unanswered: Attempt[] }[] {
    const now = Date.now();
    const found = [];
    for (const [origin, server] of this.#servers) {
      if (server.awaiting === 0 || now - server.progressAt < stallMs) continue;
      const unanswered = [...server.attempts].filter((a) => !a.answered && !a.excused);
      if (!unanswered.some((a) => now - (a.startedAt ?? now) >= stallMs)) continue;
      found.push({ origin, instance: unanswered[0]!.instance, unanswered });
    }
    return found;
  }

  /** The server of these requests answered its health check: they are slow, not lost. */
  excuse(attempts: Attempt[]): void {
    for (const attempt of attempts) attempt.excused = true;
  }
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Target } from "../pool/target.js";
import { exchange } from "./exchange.js";
import { Inflight } from "./inflight.js";
import { Router } from "./router.js";

export interface GateOptions {
  app: string;
  host: string;
  port: number;
  hold: { timeoutMs: number; maxRequests: number };
  targets: () => Target[];
  /** A server could not be reached; `origin` tells which pool's instance it was. */
  onUpstreamFailure?: (instance: number, origin: string) => void;
  log?: (level: "info" | "warn" | "error", message: string) => void;
}

export interface GateStats {
  held: boolean;
  queued: number;
  inflight: number;
  served: number;
  rejected: number;
  /** Requests that arrived while the gate held them (or had no server), since start. */
  queuedTotal: number;
}

const SWEEP_MS = 30_000; // how often pools of departed instances are looked for
const CLOSE_GRACE_MS = 5_000; // how long close() lets running requests finish

// The app's public port. Requests go round-robin to healthy servers, or wait in the
// hold queue while the app is on hold or has no server up, so a swap costs no request.
export class Gate {
  readonly #options: GateOptions;
  readonly #server: Server;
  readonly #router: Router;
  readonly #answering = new Inflight(); // client requests not yet fully answered
  #closed: Promise<void> | undefined;
  #sweep: NodeJS.Timeout | undefined;

  constructor(options: GateOptions) {
    this.#options = options;
    const log = (level: "info" | "warn" | "error", message: string): void =>
      options.log?.(level, `gate ${options.app}: ${message}`);
    this.#router = new Router({ ...options, log });
    // No request timeout: a long upload through the gate is the app's business.
    // Keep-alive longer than Node's 5 s default: clients stalled by a hold reuse
    // their connections rather than racing its close.
    this.#server = createServer(
      { requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 65_000 },
      (req, res) => this.#accept(req, res),
    );
  }

  listen(): Promise<{ port: number }> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      // A deep accept queue: held clients keep their connections open, and new ones
      // arrive in bursts when a hold ends.
      const { port, host } = this.#options;
      this.#server.listen({ port, host, backlog: 4096 }, () => {
        this.#server.off("error", reject);
        this.#sweep ??= setInterval(() => this.#sweepPools(), SWEEP_MS).unref();
        resolve({ port: (this.#server.address() as AddressInfo).port });
      });
    });
  }

  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  hold(): void {
    this.#router.held = true;
  }

  release(): void {
    this.#router.held = false;
    this.#router.flush();
  }

  wake(): void {
    if (!this.#router.held) this.#router.flush();
  }

  drain(timeoutMs: number): Promise<boolean> {
    return this.#router.inflight.idle(timeoutMs);
  }

  // Waits for the requests in flight to these servers only: after an overlap swap's
  // switch, new requests go to the new servers while the old ones finish theirs.
  drainOrigins(origins: Iterable<string>, timeoutMs: number): Promise<boolean> {
    return this.#router.byOrigin.idle(origins, timeoutMs);
  }

  stats(): GateStats {
    const { held, queue, inflight, served, rejected, queuedTotal } = this.#router;
    return { held, queued: queue.size, inflight: inflight.count, served, rejected, queuedTotal };
  }

  #accept(req: IncomingMessage, res: ServerResponse): void {
    this.#answering.add();
    res.once("close", () => this.#answering.done());
    const ex = exchange(req, res);
    if (!req.url?.startsWith("/")) this.#router.refuse(ex, 400, "needs a path starting with /");
    else this.#router.route(ex);
  }

  #sweepPools(): void {
    const inUse = new Set(this.#options.targets().map((target) => target.origin));
    this.#router.upstreams.sweep(inUse);
  }

  // Stop accepting, turn the queue away, let running requests finish for a while,
  // then cut what is left.
  async #shutdown(): Promise<void> {
    const router = this.#router;
    router.closing = true;
    clearInterval(this.#sweep);
    const stopped = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const ex of router.queue.clear()) router.refuse(ex, 503, "is shutting down");
    await router.inflight.idle(CLOSE_GRACE_MS);
    await router.upstreams.close();
    await this.#answering.idle(CLOSE_GRACE_MS);
    this.#server.closeAllConnections();
    await stopped;
  }
}

import { createServer, ServerResponse, type IncomingMessage, type Server } from "node:http";
import { Server as NetServer, type AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { listenHanded, type HandedSocket } from "../lifecycle/listen-fds.js";
import type { Target } from "../pool/target.js";
import { exchange, type UpgradeRequest } from "./exchange.js";
import { Inflight } from "./inflight.js";
import { trustNobody, type TrustProxy } from "./request-headers.js";
import { requestTarget } from "./request-target.js";
import { Router, type AnswerObserver } from "./router.js";
import type { CanarySplit } from "./canary-split.js";
import type { AnswerCounts } from "../protocol.js";
import type { AppGate } from "./app-gate.js";

export interface GateTimeouts {
  /** Cap on the time a client may take to send its request headers. */
  headersMs: number;
  /** Longest pause between two request-body bytes while the gate reads the body. */
  bodyIdleMs: number;
  /** Bytes per second a request body must keep up, judged over each bodyIdleMs window. */
  bodyMinRate: number;
  /** A server owing an answer this long without a first byte leaves rotation. */
  stallMs: number;
}

export const DEFAULT_TIMEOUTS: GateTimeouts = {
  headersMs: 20_000,
  bodyIdleMs: 30_000,
  bodyMinRate: 1024,
  stallMs: 2_000,
};

export interface GateOptions {
  app: string;
  host: string;
  port: number;
  hold: { timeoutMs: number; maxRequests: number };
  timeouts?: GateTimeouts;
  /** Peers whose X-Forwarded-* headers are believed (config trustProxy). */
  trustProxy?: TrustProxy;
  targets: () => Target[];
  /** Why the app's servers cannot start, if they cannot: requests get 503 at once. */
  unavailable?: () => string | undefined;
  /** A server failed or stalled; `origin` tells which pool's instance it was. */
  onUpstreamFailure?: (instance: number, origin: string) => void;
  log?: (level: "info" | "warn" | "error", message: string) => void;
}

/** Who put the gate on hold: a swap (or restart), the admin by hand, or an upgrade (§7). */
export type HoldOwner = "swap" | "admin" | "upgrade";

export interface GateStats {
  held: boolean;
  queued: number;
  inflight: number;
  served: number;
  rejected: number;
  /** Requests that arrived while the gate held them (or had no server), since start. */
  queuedTotal: number;
  /** Requests sent to a second server after the first failed with them, since start. */
  resent: number;
}

const SWEEP_MS = 30_000; // how often pools of departed instances are looked for
const CLOSE_GRACE_MS = 5_000; // how long close() lets running requests finish
const BUDGET_WINDOW_MS = 5_000; // the retry budget counts the last one or two of these

// The app's public port. Requests go round-robin to healthy servers, or wait in the
// hold queue while the app is on hold or has no server up, so a swap costs no request.
// `Upgrade` requests (WebSocket) take the same path and become tunnels.
export class Gate implements AppGate {
  readonly mode = "proxy";
  readonly #options: GateOptions;
  #server: Server;
  readonly #router: Router;
  readonly #answering = new Inflight(); // client requests not yet fully answered
  readonly #holders = new Set<HoldOwner>();
  #closed: Promise<void> | undefined;
  #timers: NodeJS.Timeout[] = [];
  /** A listening socket handed in (systemd or an upgrade, §7): listen on it, do not bind. */
  #fd: HandedSocket | undefined;
  #listening: Promise<{ port: number }> | undefined;
  /** Answers not yet sent whole, so a hand-over can still mark them `Connection: close`. */
  readonly #open = new Set<ServerResponse>();
  #lastCall = false;
  /** After handOver(): the new receiver's gate, the only target. */
  #forward: Target[] | undefined;
  #handedOver: Promise<void> | undefined;

  constructor(options: GateOptions) {
    this.#options = options;
    const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
    const log = (level: "info" | "warn" | "error", message: string): void =>
      options.log?.(level, `gate ${options.app}: ${message}`);
    this.#router = new Router({
      ...options,
      targets: () => this.#forward ?? options.targets(),
      onUpstreamFailure: (instance, origin) => {
        if (!this.#forward) options.onUpstreamFailure?.(instance, origin);
      },
      unavailable: () => (this.#forward ? undefined : options.unavailable?.()),
      body: { idleMs: timeouts.bodyIdleMs, minRate: timeouts.bodyMinRate },
      stallMs: timeouts.stallMs,
      trustProxy: options.trustProxy ?? trustNobody,
      log,
    });
    this.#server = this.#createServer(timeouts);
  }

  // The whole request has no time limit (a long upload through the gate is the app's
  // business); its headers do, and its body must keep moving (body-guard.ts). Keep-alive
  // outlasts Node's 5 s default: clients stalled by a hold reuse their connections
  // rather than racing its close.
  #createServer(timeouts: GateTimeouts): Server {
    const server = createServer(
      {
        requestTimeout: 0,
        headersTimeout: timeouts.headersMs,
        connectionsCheckingInterval: Math.min(1_000, timeouts.headersMs),
        keepAliveTimeout: 65_000,
      },
      (req, res) => this.#accept(req, res),
    );
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#upgrade(req, { socket, head }),
    );
    server.on("connect", (_req: IncomingMessage, socket: Duplex) => refuseConnect(socket));
    return server;
  }

  /** Listen on this already listening socket instead of binding host:port (§7). */
  inherit(socket: HandedSocket): void {
    this.#fd = socket;
  }

  /** The listener now (a reload may have moved it), whose socket an upgrade hands on (§7). */
  handedOn(): Server {
    return this.#server;
  }

  // Once: an upgrade opens the gate (held) before its apps start, and start() opens it again.
  listen(): Promise<{ port: number }> {
    this.#listening ??= (() => {
      const { port, host } = this.#options;
      const where = this.#fd === undefined ? { port, host } : { socket: this.#fd };
      return listenOn(this.#server, where).then((port) => {
        this.#startTimers();
        return { port };
      });
    })();
    return this.#listening;
  }

  // The upgrade's hand-over (§7). The listening socket lives on in the new receiver, so
  // this gate only stops accepting: net.Server's close, since http's own also drops idle
  // keep-alive connections, on which a client may be writing a request right then. What
  // its open connections still send goes on to `next` (the public port, which only the
  // new receiver accepts on now: it holds them until its servers are up), and every
  // answer from now on says `Connection: close`, so each client's next request opens a
  // connection to the new receiver. This gate's own servers can stop as soon as the
  // requests already sent to them are answered.
  handOver(next: string): void {
    this.#lastCall = true;
    for (const res of this.#open) if (!res.headersSent) res.shouldKeepAlive = false;
    this.#forward = [{ instance: 0, origin: next }];
    this.#handedOver = new Promise<void>((resolve) =>
      NetServer.prototype.close.call(this.#server, () => resolve()),
    );
    // What waits here goes on too; a hold put on by hand ends with this receiver.
    this.#holders.clear();
    this.#router.held = false;
    this.#router.flush();
  }

  /** After handOver: closes once its clients have closed their connections, or after lingerMs. */
  async closeHandedOver(lingerMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const linger = new Promise((resolve) => (timer = setTimeout(resolve, lingerMs)));
    await Promise.race([this.#handedOver, linger]);
    clearTimeout(timer);
    await this.close();
  }

  /** Where this gate listens, as an origin to connect to (the wildcard as loopback). */
  origin(): string {
    const { address, family, port } = this.#server.address() as AddressInfo;
    const host =
      family === "IPv6"
        ? `[${address === "::" ? "::1" : address}]`
        : address === "0.0.0.0"
          ? "127.0.0.1"
          : address;
    return `http://${host}:${port}`;
  }

  // A reload that moves the gate (docs/design.md §7): the new address listens first,
  // so a failure to bind leaves the old one serving; then the old listener stops
  // accepting and its connections close once their requests are answered (idle
  // keep-alive connections at once), cut after CLOSE_GRACE_MS. Queue, hold and
  // servers are the gate's and do not move.
  async rebind(host: string, port: number): Promise<{ port: number }> {
    const old = this.#server;
    const next = this.#createServer(this.#options.timeouts ?? DEFAULT_TIMEOUTS);
    const bound = await listenOn(next, { host, port });
    this.#fd = undefined; // an inherited socket is for the old address only
    this.#server = next;
    this.#options.host = host;
    this.#options.port = port;
    await retire(old, CLOSE_GRACE_MS);
    return { port: bound };
  }

  // A reload's new hold bounds (docs/design.md §7): the queue reads them for every
  // request it takes from now on; requests already waiting keep their deadline.
  setHold(hold: { timeoutMs: number; maxRequests: number }): void {
    Object.assign(this.#options.hold, hold);
  }

  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  // The hold has owners: a swap, and the admin holding by hand. Requests wait while any
  // owner holds; a swap's release does not lift a hold the admin put on.
  hold(owner: HoldOwner = "swap"): void {
    this.#holders.add(owner);
    this.#router.held = true;
  }

  /** Lets `owner` go; true when that ended the hold (no other owner still holds). */
  release(owner: HoldOwner = "swap"): boolean {
    this.#holders.delete(owner);
    if (this.#holders.size > 0) return false;
    this.#router.held = false;
    this.#router.flush();
    return true;
  }

  /** Who holds the gate now. */
  holders(): HoldOwner[] {
    return [...this.#holders];
  }

  // Judging a build (docs/design.md guarantee 11): `observer` is told of every answer
  // from every server until it is taken off; `split` sends a share of clients to a
  // canary's servers. Both are off (undefined) outside a watch.
  observe(observer: AnswerObserver | undefined): void {
    this.#router.observe = observer;
  }

  splitTo(split: CanarySplit | undefined): void {
    this.#router.split = split;
  }

  /** The gate's answers and errors over the last minute: a watch's baseline. */
  recentAnswers(): AnswerCounts {
    return this.#router.answers.counts();
  }

  /** After a swap: answers from before it are no baseline for the build serving now. */
  forgetAnswers(): void {
    this.#router.answers.reset();
  }

  wake(): void {
    if (!this.#router.held) this.#router.flush();
  }

  /** True once nothing is in flight (to `origins`, when given), false past timeoutMs. */
  drain(timeoutMs: number, origins?: Iterable<string>): Promise<boolean> {
    return this.#router.attempts.idle(timeoutMs, origins);
  }

  // Waits for the requests in flight to these servers only: after an overlap swap's
  // switch, new requests go to the new servers while the old ones finish theirs.
  drainOrigins(origins: Iterable<string>, timeoutMs: number): Promise<boolean> {
    return this.drain(timeoutMs, origins);
  }

  /** Cuts what is still in flight (to `origins`): answers, long polls, tunnels. */
  cut(origins?: Iterable<string>): number {
    return this.#router.cut(origins);
  }

  stats(): GateStats {
    const { held, queue, attempts, served, rejected, queuedTotal, resent } = this.#router;
    return {
      held,
      queued: queue.size,
      inflight: attempts.count,
      served,
      rejected,
      queuedTotal,
      resent,
    };
  }

  #accept(req: IncomingMessage, res: ServerResponse, upgrade?: UpgradeRequest): void {
    this.#answering.add();
    if (this.#lastCall) res.shouldKeepAlive = false;
    this.#open.add(res);
    // A tunnel's response is detached from its socket: the socket's close ends it.
    (upgrade?.socket ?? res).once("close", () => {
      this.#open.delete(res);
      this.#answering.done();
    });
    const ex = exchange(req, res, upgrade);
    const bad = requestTarget(req);
    if (bad !== undefined) this.#router.refuse(ex, 400, bad);
    else this.#router.route(ex);
  }

  // An upgrade arrives as a bare socket. A response bound to it lets the hold queue and
  // every refusal treat it as any other request until a server takes it over.
  #upgrade(req: IncomingMessage, upgrade: UpgradeRequest): void {
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(upgrade.socket as never);
    res.once("finish", () => upgrade.socket.end()); // a refusal: then the connection ends
    upgrade.socket.on("error", () => upgrade.socket.destroy());
    this.#accept(req, res, upgrade);
  }

  #startTimers(): void {
    if (this.#timers.length > 0) return;
    const stallMs = (this.#options.timeouts ?? DEFAULT_TIMEOUTS).stallMs;
    const inUse = () => new Set(this.#options.targets().map((target) => target.origin));
    this.#timers = [
      setInterval(() => this.#router.upstreams.sweep(inUse()), SWEEP_MS),
      setInterval(() => {
        this.#router.budget.roll();
        this.#router.answers.roll();
      }, BUDGET_WINDOW_MS),
      setInterval(() => this.#router.tick(), Math.max(20, Math.min(250, stallMs / 4))),
    ];
    for (const timer of this.#timers) timer.unref();
  }

  // Stop accepting, turn the queue away, let running requests finish for a while,
  // then cut what is left.
  async #shutdown(): Promise<void> {
    const router = this.#router;
    router.closing = true;
    for (const timer of this.#timers) clearInterval(timer);
    const stopped = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const ex of router.queue.clear()) router.refuse(ex, 503, "is shutting down");
    await router.attempts.idle(CLOSE_GRACE_MS);
    router.cut();
    await router.upstreams.close();
    await this.#answering.idle(CLOSE_GRACE_MS);
    this.#server.closeAllConnections();
    await stopped;
  }
}

// Binds `server` with a deep accept queue: held clients keep their connections open,
// and new ones arrive in bursts when a hold ends.
const BACKLOG = 4096;

function listenOn(
  server: Server,
  where: { host: string; port: number } | { socket: HandedSocket },
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    const listening = () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    };
    if ("socket" in where) listenHanded(server, where.socket, BACKLOG, listening);
    else server.listen({ ...where, backlog: BACKLOG }, listening);
  });
}

// A listener no longer wanted: no new connections; each open one closes when it is
// idle (between two requests), and whatever is left after graceMs is cut.
async function retire(server: Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
  await Promise.race([closed, grace]);
  clearInterval(sweep);
  server.closeAllConnections();
  await closed;
}

// CONNECT asks the gate to be a forward proxy, which it is not.
function refuseConnect(socket: Duplex): void {
  const body = "hotswap: CONNECT is not allowed through the gate\n";
  socket.end(
    `HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
  socket.on("error", () => socket.destroy());
}

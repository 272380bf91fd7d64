import type { HandedSocket } from "../../lifecycle/listen-fds.js";
import type { AnswerCounts } from "../../protocol.js";
import type { AppGate } from "../app-gate.js";
import type { GateStats, HoldOwner } from "../gate.js";
import { startRefuser } from "./refuser.js";
import { adoptShared, bindShared, connectHost, type SharedSocket } from "./shared-socket.js";

export interface SocketGateOptions {
  app: string;
  host: string;
  port: number;
  hold: { timeoutMs: number; maxRequests: number };
  /** Why the app's servers cannot start, if they cannot: connections get 503 at once. */
  unavailable: () => string | undefined;
  /** Whether any server of the app accepts now (is healthy). */
  serving: () => boolean;
  log?: (level: "info" | "warn" | "error", message: string) => void;
}

// Socket mode's gate (docs/design.md §3): the receiver binds the app's port once and
// never accepts on it; the app's servers accept on it themselves, inherited as fd 3.
// A hold is no server accepting: new connections wait in the kernel's accept queue
// (its backlog is hold.maxRequests). A hold that outlasts hold.timeout with no server
// up, or an app whose servers cannot start, gets the refuser: a child on a copy of the
// socket that answers 503 with Retry-After, stopped as soon as a server is up. Nothing
// passes the receiver, so there is nothing to drain, count, judge or replay here: the
// servers drain themselves when they are told to stop (SIGTERM).
export class SocketGate implements AppGate {
  readonly mode = "socket";
  readonly #options: SocketGateOptions;
  #socket: SharedSocket | undefined;
  #inherited: number | undefined;
  #listening: Promise<{ port: number }> | undefined;
  readonly #holders = new Set<HoldOwner>();
  /** Set once the hold has lasted hold.timeout with no server up: refuse until one is. */
  #heldTooLong = false;
  #holdTimer: NodeJS.Timeout | undefined;
  #refuser: ReturnType<typeof startRefuser> | undefined;
  /** Connections the refuser has answered, since start. */
  #refused = 0;
  /** After an upgrade's hand-over or close(): the socket is the new receiver's, or gone. */
  #done = false;

  constructor(options: SocketGateOptions) {
    this.#options = options;
  }

  /** The socket the app's servers inherit (once listening). */
  get shared(): SharedSocket | undefined {
    return this.#socket;
  }

  inherit(socket: HandedSocket): void {
    if (typeof socket !== "number")
      throw new Error(
        `gate ${this.#options.app}: socket mode needs its socket as a descriptor, not over the IPC channel`,
      );
    this.#inherited = socket;
  }

  listen(): Promise<{ port: number }> {
    this.#listening ??= (async () => {
      const { host, port, hold } = this.#options;
      this.#socket =
        this.#inherited === undefined
          ? await bindShared(host, port, Math.max(1, hold.maxRequests))
          : adoptShared(this.#inherited, host);
      this.wake();
      return { port: this.#socket.port };
    })();
    return this.#listening;
  }

  origin(): string {
    const address = connectHost(this.#options.host);
    const port = this.#socket?.port ?? this.#options.port;
    return `http://${address.includes(":") ? `[${address}]` : address}:${port}`;
  }

  handedOn(): number {
    if (!this.#socket) throw new Error(`gate ${this.#options.app} is not listening`);
    return this.#socket.fd;
  }

  // The new receiver holds its own copy of the socket and accepts through its servers;
  // this one's servers stop (the upgrade stops the pool), and its refuser must not
  // answer for the new one.
  handOver(): void {
    this.#done = true;
    this.#holders.clear();
    this.#clearTimer();
    void this.#stopRefuser();
  }

  closeHandedOver(): Promise<void> {
    return this.close();
  }

  rebind(host: string, port: number): Promise<{ port: number }> {
    // The servers accept on the socket they inherited; a new one means new servers.
    return Promise.reject(
      new Error(
        `socket mode cannot move its socket to ${host}:${port} on a reload (its servers accept on the one they inherited): restart the receiver`,
      ),
    );
  }

  setHold(hold: { timeoutMs: number; maxRequests: number }): void {
    // The backlog was set when the socket was made; the timeout applies from the next hold.
    Object.assign(this.#options.hold, hold);
  }

  async close(): Promise<void> {
    this.#done = true;
    this.#clearTimer();
    await this.#stopRefuser();
    this.#socket?.close();
    this.#socket = undefined;
  }

  hold(owner: HoldOwner = "swap"): void {
    this.#holders.add(owner);
    if (this.#holdTimer || this.#done) return;
    this.#holdTimer = setTimeout(() => {
      this.#holdTimer = undefined;
      this.#heldTooLong = true;
      this.wake();
    }, this.#options.hold.timeoutMs);
    this.#holdTimer.unref();
  }

  release(owner: HoldOwner = "swap"): boolean {
    this.#holders.delete(owner);
    if (this.#holders.size > 0) return false;
    this.#clearTimer();
    this.#heldTooLong = false;
    this.wake();
    return true;
  }

  holders(): HoldOwner[] {
    return [...this.#holders];
  }

  // The refuser runs while the app cannot serve and waiting will not help: its servers
  // cannot start, or a hold has lasted hold.timeout with no server up.
  wake(): void {
    if (this.#done || !this.#socket) return;
    const down = this.#options.unavailable();
    const serving = this.#options.serving();
    const reason =
      down ??
      (this.#heldTooLong && !serving
        ? `held for more than ${this.#options.hold.timeoutMs} ms`
        : undefined);
    if (reason === undefined) void this.#stopRefuser();
    else if (!this.#refuser) this.#startRefuser(reason);
  }

  #startRefuser(reason: string): void {
    const { app, hold, log } = this.#options;
    log?.("warn", `gate ${app}: answering 503 (${reason}) until a server is up`);
    const refuser = startRefuser(this.#socket!, {
      message: `${app} is not available: ${reason}; try again shortly`,
      retryAfterS: Math.min(30, Math.max(1, hold.timeoutMs / 1000)),
      backlog: Math.max(1, hold.maxRequests),
      answered: () => this.#refused++,
    });
    this.#refuser = refuser;
    refuser.child.once("exit", () => {
      if (this.#refuser === refuser) this.#refuser = undefined;
    });
  }

  async #stopRefuser(): Promise<void> {
    const refuser = this.#refuser;
    if (!refuser) return;
    this.#refuser = undefined;
    await refuser.stop();
    this.#options.log?.("info", `gate ${this.#options.app}: a server is up; the 503s have stopped`);
  }

  #clearTimer(): void {
    clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
  }

  // Nothing passes the receiver: what waits is in the kernel's queue, what runs is the
  // servers' own, and they drain it themselves when they are told to stop.
  drain(): Promise<boolean> {
    return Promise.resolve(true);
  }

  drainOrigins(): Promise<boolean> {
    return Promise.resolve(true);
  }

  cut(): number {
    return 0;
  }

  stats(): GateStats {
    const held = this.#holders.size > 0;
    return {
      held,
      queued: 0,
      inflight: 0,
      served: 0,
      rejected: this.#refused,
      queuedTotal: 0,
      resent: 0,
    };
  }

  // Judging by traffic needs the proxy (the config refuses watch and canary here).
  observe(): void {}
  splitTo(): void {}
  recentAnswers(): AnswerCounts {
    return { requests: 0, errors: 0 };
  }
  forgetAnswers(): void {}
}

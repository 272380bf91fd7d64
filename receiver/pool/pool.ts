import type { ServerStatus } from "../protocol.js";
import type { PoolEvents, PoolSpec } from "./pool-spec.js";
import { freePorts } from "./free-ports.js";
import { HealthCheckError } from "./health-check-error.js";
import { keepAlive } from "./keep-alive.js";
import { recheck } from "./recheck.js";
import { Server } from "./server.js";
import { portTaken, PORT_RETRIES } from "./port-taken.js";
import type { Report, ServerPool } from "./server-pool.js";
import type { Target } from "./target.js";

export type { PoolEvents, PoolSpec };

class PortTakenError extends Error {}

/** Lines of output a HealthCheckError carries. */
const ERROR_OUTPUT_LINES = 50;

// The app's server processes, as the swap sees them: start a generation from one exe
// and learn whether it came up, stop it, and meanwhile keep it serving by itself.
export class Pool implements ServerPool {
  #spec: PoolSpec;
  readonly #events: PoolEvents;
  #servers: Server[] = [];
  #exe: string | undefined;
  /** Why the last start() failed, until the next one. */
  #startFailure: string | undefined;
  /** What restarts run instead of the started exe, while exeFile holds another build. */
  #pinned: string | undefined;
  /** Aborted when the current generation stops: ends restarts and health waits. */
  #life: AbortController | undefined;

  constructor(spec: PoolSpec, events: Partial<PoolEvents> = {}) {
    this.#spec = spec;
    this.#events = { log: () => {}, targetsChanged: () => {}, ...events };
  }

  // A config reload's new settings (docs/design.md §7): servers running now keep
  // theirs; the next start() and the restarts after it use these.
  respec(spec: Omit<PoolSpec, "pidFile">): void {
    this.#spec = { ...spec, pidFile: this.#spec.pidFile };
  }

  get exe(): string | undefined {
    return this.#exe;
  }

  async start(exe: string, report?: Report): Promise<void> {
    if (this.#life && !this.#life.signal.aborted) throw new Error("the pool is already running");
    const life = (this.#life = new AbortController());
    this.#startFailure = undefined;
    const { instances, health } = this.#spec;
    // Socket mode: every server accepts on the gate's socket, whose port is theirs.
    const shared = this.#spec.socket;
    const ports = shared
      ? new Array<number>(instances).fill(shared.port)
      : await freePorts(instances);
    if (life.signal.aborted) throw new HealthCheckError("the pool was stopped while starting", []);
    const warn = (message: string) => this.#events.log("warn", message);
    const sink = this.#events.output;
    const servers = ports.map((port, i) => new Server(i, port, this.#spec, warn, sink));
    this.#servers = servers;
    this.#exe = exe;
    const say = (message: string) => {
      warn(message);
      report?.({ type: "log", level: "warn", message });
    };
    try {
      await Promise.all(
        servers.map(async (server) => {
          const taken: number[] = [];
          for (;;) {
            const since = server.output.lastSeq();
            server.launch(exe);
            const error = await server.becomeHealthy(health.timeoutMs, life.signal).then(
              () => undefined,
              (e: Error) => e,
            );
            if (!error) break;
            // Another process took the port between its pick and the server's listen
            // (a race on any busy host): not the build's fault, so a fresh port, a few
            // times, before the deploy is failed; and then the port is blamed, not the build.
            if (shared || life.signal.aborted || !portTaken(server.output.lines(), since)) {
              throw new Error(`server #${server.instance} ${error.message}`);
            }
            taken.push(server.port);
            server.forgetFailedStart(); // meanwhile the gate must not take it for a crash loop
            await server.stop();
            if (taken.length > PORT_RETRIES) {
              throw new PortTakenError(
                `server #${server.instance} could not listen: its port was already in use (EADDRINUSE) on ${taken.length} fresh ports in a row (${taken.join(", ")}). Another process on this host takes ports as they are picked; the build itself may be fine. Set HOTSWAP_SERVER_PORTS=LOW-HIGH in the receiver's environment to a range nothing else uses`,
              );
            }
            const [port] = await freePorts(1);
            if (life.signal.aborted) throw new Error(`server #${server.instance} ${error.message}`);
            say(
              `server #${server.instance}: port ${server.port} was taken by another process as the server started (address already in use); starting it again on port ${port} (retry ${taken.length} of ${PORT_RETRIES})`,
            );
            server.moveTo(port!);
          }
          this.#events.targetsChanged();
        }),
      );
    } catch (error) {
      await this.stop();
      this.#startFailure = (error as Error).message;
      throw new HealthCheckError((error as Error).message, this.output(ERROR_OUTPUT_LINES), {
        portTaken: error instanceof PortTakenError,
      });
    }
    this.#pinned = undefined;
    const options = {
      exe: () => this.#pinned ?? exe,
      healthTimeoutMs: health.timeoutMs,
      signal: life.signal,
    };
    for (const server of servers) {
      keepAlive(server, { ...options, events: this.#events }).catch((error: Error) =>
        this.#events.log("error", `server #${server.instance}: ${error.message}`),
      );
    }
    this.#events.log("info", `${instances} server(s) of ${this.#spec.app} healthy`);
  }

  // An overlap swap puts the new build into exeFile while these servers serve on (and,
  // with a canary or watch, for minutes): one that crashes meanwhile must restart on its
  // own build, the kept copy, not on the file now at exeFile. undefined: the exe again.
  pin(exe: string | undefined): void {
    this.#pinned = exe;
  }

  /** At the receiver's exit or an upgrade's hand-over: its own children stop with it. */
  async release(): Promise<void> {
    await this.stop();
  }

  /** Stops every server; the answer lists the ones that had to be killed, for the log. */
  async stop(): Promise<string[]> {
    this.#life?.abort(new Error("was stopped before it was healthy"));
    const wasServing = this.targets().length > 0;
    const stopping = Promise.all(this.#servers.map((server) => server.stop()));
    if (wasServing) this.#events.targetsChanged();
    const forced = (await stopping).filter((m): m is string => m !== undefined);
    forced.forEach((m) => this.#events.log("warn", m));
    this.#exe = undefined;
    return forced;
  }

  targets(): Target[] {
    return this.#servers
      .filter((server) => server.state === "healthy")
      .map(({ instance, origin }) => ({ instance, origin }));
  }

  // Why no request should wait for this pool: every server has failed to start since
  // it was last healthy (a crash loop), so waiting would only end in the hold timeout.
  // A server that crashed once and is being restarted does not count until that fails.
  failing(): string | undefined {
    if (this.#startFailure !== undefined) return this.#startFailure;
    const servers = this.#servers;
    if (
      servers.length === 0 ||
      servers.some((s) => s.state === "healthy" || s.failedStarts === 0)
    ) {
      return undefined;
    }
    const last = servers.find((s) => s.lastFailure !== undefined);
    return `server #${last?.instance ?? 0} ${last?.lastFailure ?? "does not start"}`;
  }

  /** Every server's address, healthy or not: what an overlap swap drains before stop(). */
  origins(): string[] {
    return this.#servers.map((server) => server.origin);
  }

  /** Whether `origin` is one of this pool's servers (on every answer while a watch runs: no allocation). */
  serves(origin: string): boolean {
    for (const server of this.#servers) if (server.origin === origin) return true;
    return false;
  }

  status(): ServerStatus[] {
    return this.#servers.map((server) => server.status());
  }

  output(lines = 20): string[] {
    const all = this.#servers.flatMap((server) =>
      server.output
        .lines()
        .map(({ seq, line }) => ({ seq, text: `[#${server.instance}] ${line}` })),
    );
    return all
      .sort((a, b) => a.seq - b.seq)
      .slice(-lines)
      .map(({ text }) => text);
  }

  // `origin`, when given, must be this pool's: during an overlap swap the gate may
  // report an instance of the old pool by the same number as one of the new.
  reportFailure(instance: number, origin?: string): void {
    const server = this.#servers[instance];
    const signal = this.#life?.signal;
    if (!server || !signal || signal.aborted) return;
    if (origin !== undefined && server.origin !== origin) return;
    const options = { healthTimeoutMs: this.#spec.health.timeoutMs, signal, events: this.#events };
    recheck(server, options).catch((error: Error) => this.#events.log("error", error.message));
  }
}

import { formatDuration } from "../config/units.js";
import { runCommand } from "../hooks/run-command.js";
import { describeSpawnFailure } from "../hooks/spawn-failure.js";
import type { ServerState, ServerStatus } from "../protocol.js";
import { describeExit, type Exit } from "./exit.js";
import { HealthCheckError } from "./health-check-error.js";
import { OutputRing } from "./output-ring.js";
import type { PoolEvents, PoolSpec } from "./pool-spec.js";
import { probeHealth, type Probe } from "./probe-health.js";
import type { Report, ServerPool } from "./server-pool.js";
import type { Target } from "./target.js";

/** How a server run by a service manager is driven (config `commands:`, `upstream:`). */
export interface ManagedSpec {
  stop: string[];
  start: string[];
  /** Where the service answers, an origin like http://127.0.0.1:8081: the gate's one target. */
  upstream: string;
  /** What must answer 2xx once it has started (health.url, or upstream + health.path). */
  healthUrl?: string;
}

const POLL_MS = 100;
/** Lines of the commands' output a failure carries. */
const OUTPUT_LINES = 50;

// Servers managed elsewhere (docs/design.md §8): an IIS app pool, a Windows service, a
// systemd unit. The receiver does not run the server: it runs the service manager's stop
// and start commands around the swap (each must exit 0 within stopTimeout; no shell, its
// output streamed), and the service is up once its health URL answers 2xx within
// health.timeout. The gate sends requests to `upstream`. At the receiver's own exit the
// service is left running: it was never the receiver's. The first start of a receiver
// adopts a service that already answers instead of starting it again.
export class ManagedService implements ServerPool {
  #spec: PoolSpec & { managed: ManagedSpec };
  readonly #events: PoolEvents;
  #state: ServerState = "stopped";
  #exe: string | undefined;
  #failure: string | undefined;
  #adopt = true;
  #startedAt: string | undefined;
  #lastHealth: ServerStatus["lastHealth"];
  readonly #output: OutputRing;

  constructor(spec: PoolSpec & { managed: ManagedSpec }, events: Partial<PoolEvents> = {}) {
    this.#spec = spec;
    this.#events = { log: () => {}, targetsChanged: () => {}, ...events };
    // The commands' lines, for a failure's output and the app's log (the receiver's own output too).
    this.#output = new OutputRing(0, (line) => this.#events.output?.(line), OUTPUT_LINES);
  }

  get exe(): string | undefined {
    return this.#exe;
  }

  respec(spec: Omit<PoolSpec, "pidFile">): void {
    if (spec.managed) this.#spec = { ...spec, managed: spec.managed, pidFile: this.#spec.pidFile };
  }

  async start(exe: string, report?: Report): Promise<void> {
    this.#failure = undefined;
    this.#state = "starting";
    const adopt = this.#adopt;
    this.#adopt = false;
    try {
      if (adopt && (await this.#probe(Math.min(2_000, this.#spec.health.timeoutMs))).ok) {
        this.#events.log(
          "info",
          `${this.#spec.app}: the service already answers; not started again`,
        );
      } else {
        await this.#run("start", report);
        await this.#becomeHealthy();
      }
    } catch (error) {
      this.#state = "crashed";
      this.#failure = (error as Error).message;
      throw new HealthCheckError((error as Error).message, this.output(OUTPUT_LINES));
    }
    this.#exe = exe;
    this.#state = "healthy";
    this.#startedAt = new Date().toISOString();
    this.#events.targetsChanged();
    this.#events.log(
      "info",
      `the service of ${this.#spec.app} is up at ${this.#spec.managed.upstream}`,
    );
  }

  async stop(report?: Report): Promise<string[]> {
    const wasServing = this.#state === "healthy";
    this.#state = "stopping";
    if (wasServing) this.#events.targetsChanged();
    try {
      await this.#run("stop", report);
    } catch (error) {
      // Still running, as far as anyone knows: the gate may go on sending it requests.
      this.#state = wasServing ? "healthy" : "crashed";
      if (wasServing) this.#events.targetsChanged();
      throw error;
    }
    this.#state = "stopped";
    this.#exe = undefined;
    return [];
  }

  // The service outlives the receiver: nothing to stop, only to stop watching.
  release(): Promise<void> {
    return Promise.resolve();
  }

  pin(): void {}

  targets(): Target[] {
    return this.#state === "healthy" ? [{ instance: 0, origin: this.#spec.managed.upstream }] : [];
  }

  failing(): string | undefined {
    return this.#state === "healthy" ? undefined : this.#failure;
  }

  origins(): string[] {
    return [this.#spec.managed.upstream];
  }

  serves(origin: string): boolean {
    return origin === this.#spec.managed.upstream;
  }

  status(): ServerStatus[] {
    const port = Number(new URL(this.#spec.managed.upstream).port) || 80;
    return [
      {
        instance: 0,
        port,
        state: this.#state,
        restarts: 0,
        ...(this.#startedAt ? { startedAt: this.#startedAt } : {}),
        ...(this.#lastHealth ? { lastHealth: this.#lastHealth } : {}),
      },
    ];
  }

  output(lines = 20): string[] {
    return this.#output
      .lines()
      .slice(-lines)
      .map(({ line }) => line);
  }

  // The gate saw the service fail a request: ask its health URL, and take it out of
  // rotation only if that does not answer (the service manager restarts it, not us).
  reportFailure(): void {
    if (this.#state !== "healthy") return;
    void this.#probe(2_000).then((probe) => {
      if (probe.ok || this.#state !== "healthy") return;
      this.#events.log(
        "warn",
        `the service of ${this.#spec.app} does not answer: ${probe.message}`,
      );
    });
  }

  // One command of the service manager, bounded by stopTimeout: exit 0 or a reason.
  async #run(which: "stop" | "start", report?: Report): Promise<void> {
    const argv = this.#spec.managed[which];
    const line = argv.join(" ");
    const timeoutMs = this.#spec.stopTimeoutMs;
    const say = (level: "info" | "warn" | "error", message: string) => {
      this.#events.log(level, message);
      report?.({ type: "log", level, message });
    };
    say("info", `${which}: running ${line}`);
    const deadline = AbortSignal.timeout(timeoutMs);
    const sink = new OutputRing(
      0,
      (l) => {
        this.#output.push(l.line, l.stream); // already made safe: pushing it again changes nothing
        report?.({
          type: "log",
          level: l.stream === "stdout" ? "info" : "warn",
          message: `${which}: ${l.line}`,
        });
      },
      OUTPUT_LINES,
    );
    const cwd = this.#spec.cwd ?? process.cwd();
    const env = { ...process.env, ...this.#spec.env, HOTSWAP_APP: this.#spec.app } as Record<
      string,
      string
    >;
    const exit: Exit = await runCommand(argv, {
      cwd,
      env,
      stop: deadline,
      output: sink,
    });
    if (deadline.aborted)
      throw new Error(
        `${which} command ${line} did not finish within stopTimeout (${formatDuration(timeoutMs)}): cut`,
      );
    if (exit.error)
      throw new Error(
        `${which} command ${line} ${await describeSpawnFailure(exit.error, argv[0] ?? "", cwd, env)}`,
      );
    if (exit.code !== 0) {
      const last = sink
        .lines()
        .slice(-5)
        .map(({ line: l }) => l);
      throw new Error(
        `${which} command ${line} ${describeExit(exit)}${last.length ? `: ${last.join(" | ")}` : ""}`,
      );
    }
  }

  async #becomeHealthy(): Promise<void> {
    const { timeoutMs } = this.#spec.health;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const probe = await this.#probe(Math.max(100, Math.min(2_000, deadline - Date.now())));
      if (probe.ok) return;
      if (Date.now() >= deadline)
        throw new Error(`not healthy after ${timeoutMs} ms: ${probe.message}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  async #probe(timeoutMs: number): Promise<Probe> {
    const { upstream, healthUrl } = this.#spec.managed;
    const url = new URL(healthUrl ?? upstream);
    const port = Number(url.port) || 80;
    const path = healthUrl === undefined ? undefined : `${url.pathname}${url.search}`;
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const probe = await probeHealth(port, path, timeoutMs, host);
    this.#lastHealth = { ok: probe.ok, message: probe.message, at: new Date().toISOString() };
    return probe;
  }
}

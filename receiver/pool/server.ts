import { realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ServerState, ServerStatus } from "../protocol.js";
import type { Exit } from "./exit.js";
import type { LogLine } from "./app-log.js";
import { OutputRing } from "./output-ring.js";
import { fillPlaceholders } from "./placeholders.js";
import type { PoolSpec } from "./pool-spec.js";
import { connectHost } from "../gate/socket/shared-socket.js";
import { spawnServer, type RunningServer } from "./spawn-server.js";
import { stopChild } from "./stop-child.js";
import { requestStop } from "./stop-request.js";
import { waitHealthy } from "./wait-healthy.js";

const NOT_RUNNING: Promise<Exit> = Promise.resolve({ code: null, signal: null });

// One copy of the app across all its restarts: the port, the output and the counters
// outlive each process, so status() and the gate see one stable server per instance.
export class Server {
  state: ServerState = "stopped";
  restarts = 0;
  /** When it last became healthy (ms since epoch), for the restart backoff. */
  healthySince = 0;
  lastHealth?: ServerStatus["lastHealth"];
  /** Launches in a row that never became healthy, and why the last one did not. */
  failedStarts = 0;
  lastFailure?: string;
  /** A process was launched and has not been healthy yet: its failure is a failed start. */
  #starting = false;
  /** Its last words (50 lines) and the splitter that feeds the app's log. */
  readonly output: OutputRing;
  #running?: RunningServer;

  constructor(
    readonly instance: number,
    public port: number,
    private readonly spec: PoolSpec,
    private readonly warn: (message: string) => void,
    sink?: (line: LogLine) => void,
  ) {
    this.output = new OutputRing(instance, sink, 50);
  }

  /** Settles when the current process is gone (at once when there is none). */
  get exited(): Promise<Exit> {
    return this.#running?.exited ?? NOT_RUNNING;
  }

  /** Whether the current process runs (it may not answer yet). */
  get alive(): boolean {
    const child = this.#running?.child;
    return child?.pid !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Where it is reached: loopback, or in socket mode the gate's own address. */
  get #host(): string {
    return this.spec.socket ? connectHost(this.spec.socket.host) : "127.0.0.1";
  }

  get origin(): string {
    const host = this.#host;
    return `http://${host.includes(":") ? `[${host}]` : host}:${this.port}`;
  }

  /** The last start failed for want of its port, not for the build: it does not count. */
  forgetFailedStart(): void {
    this.failedStarts = Math.max(0, this.failedStarts - 1);
    this.lastFailure = undefined;
  }

  /** A stopped server gets another port (its first was taken before it could listen). */
  moveTo(port: number): void {
    if (this.alive || this.state === "healthy")
      throw new Error(`server #${this.instance} is running`);
    this.port = port;
  }

  launch(exe: string): void {
    const { args, env, cwd, pidFile, folderExe } = this.spec;
    // A folder app: {exe} is current/<exe> as the config writes it; the server runs the
    // same program by its release's real path, from its release folder ({release}).
    const release = folderExe === undefined ? undefined : realpathSync(exe);
    const values = {
      port: this.port,
      instance: this.instance,
      exe: folderExe === undefined ? exe : join(exe, folderExe),
      release: release ?? dirname(exe),
      ...(this.spec.socket ? { fd: 3 } : {}),
    };
    const filledEnv = Object.entries(env).map(([k, v]) => [k, fillPlaceholders(v, values)]);
    this.#running = spawnServer(release ? join(release, folderExe!) : exe, {
      args: args.map((arg) => fillPlaceholders(arg, values)),
      cwd: release ?? cwd ?? dirname(exe),
      env: { ...process.env, ...Object.fromEntries(filledEnv) },
      instance: this.instance,
      port: this.port,
      output: this.output,
      pidFile,
      warn: this.warn,
      socket: this.spec.socket,
    });
    this.state = "starting";
    this.#starting = true;
  }

  async becomeHealthy(timeoutMs: number, signal: AbortSignal): Promise<void> {
    try {
      await waitHealthy({
        port: this.port,
        host: this.#host,
        path: this.spec.health.path,
        timeoutMs,
        exited: this.exited,
        signal,
        onProbe: ({ ok, message }) => {
          this.lastHealth = { ok, message, at: new Date().toISOString() };
        },
      });
    } catch (error) {
      // A recheck of a process that was healthy (it may be dying) is no failed start:
      // keepAlive counts the restart that follows.
      if (!signal.aborted && this.#starting) {
        this.failedStarts++;
        this.lastFailure = (error as Error).message;
      }
      throw error;
    }
    this.state = "healthy";
    this.healthySince = Date.now();
    this.failedStarts = 0;
    this.lastFailure = undefined;
    this.#starting = false;
  }

  /** Stops the server; says so when it had to be killed (it ignored the polite stop). */
  async stop(): Promise<string | undefined> {
    let forced: string | undefined;
    if (this.#running) {
      this.state = "stopping";
      const { stopPath } = this.spec;
      const ask = stopPath ? () => requestStop(this.origin, stopPath) : undefined;
      const exit = await stopChild(this.#running, this.spec.stopTimeoutMs, ask);
      // A server that could not be asked (Windows, no window) was ended after the drain, as it must be.
      if (exit.forced && !exit.cannotAsk) {
        forced = `server #${this.instance} did not stop within stopTimeout (${this.spec.stopTimeoutMs} ms) of being asked; it was killed`;
      }
      // The restart loop may have claimed the server meanwhile (a failed recheck).
      if (this.state !== "stopping") return forced;
    }
    this.state = "stopped";
    return forced;
  }

  status(): ServerStatus {
    const running = this.#running;
    return {
      instance: this.instance,
      pid: this.alive ? running?.child.pid : undefined,
      port: this.port,
      state: this.state,
      restarts: this.restarts,
      startedAt: running?.startedAt.toISOString(),
      lastHealth: this.lastHealth,
    };
  }
}

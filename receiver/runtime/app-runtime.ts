import { EventEmitter } from "node:events";
import * as fsp from "node:fs/promises";
import { mkdir, rm } from "node:fs/promises";
import { lockedExeFaults } from "../faults.js";
import { basename, dirname, join } from "node:path";
import type { AppConfig } from "../config/load-config.js";
import type { AppGate } from "../gate/app-gate.js";
import { Gate } from "../gate/gate.js";
import type { SharedSocket } from "../gate/socket/shared-socket.js";
import { SocketGate } from "../gate/socket/socket-gate.js";
import type { Journal } from "../journal/journal.js";
import { EchoOutput } from "../echo-output.js";
import { createLog, type Log } from "../log.js";
import { AppLog } from "../pool/app-log.js";
import type { ServerPool } from "../pool/server-pool.js";
import type { AppStatus, StreamEvent } from "../protocol.js";
import { reapStale } from "../pool/reap.js";
import { folderUploadPath } from "../staging/stage-release.js";
import { cleanStaging } from "../staging/clean-staging.js";
import { AppLock } from "../swap/app-lock.js";
import { pruneRunCopies } from "../swap/exe-file.js";
import { rollBack } from "../swap/hold-swap.js";
import { recover } from "../swap/recover.js";
import { Releases } from "../swap/releases.js";
import { SwapRecordFile } from "../swap/swap-record.js";
import { versionInfo } from "../version/version-info.js";
import { AppPools } from "./app-pools.js";
import type { WatchControl } from "../watch/watch-control.js";

// Everything the receiver keeps for one app: its servers, its gate, its kept
// releases, its swap record and its lock.
export class AppRuntime {
  /** The serving pool and, during an overlap swap, the next one. */
  readonly pools: AppPools;
  /** Where a running hook is recorded, so the next start stops one a SIGKILL left (hooks/). */
  readonly hooksPidFile: string;
  /** Where strategy overlap runs new servers from while exeFile is locked (Windows). */
  readonly runDir: string;
  /** The app's public port: the proxy, or in socket mode the socket its servers accept on. */
  readonly gate: AppGate;
  readonly releases: Releases;
  readonly record: SwapRecordFile;
  readonly lock = new AppLock();
  /** How exeFile is replaced: the platform's way, or a simulated locked exe (faults.ts). */
  readonly replace = lockedExeFaults(fsp);
  /** Every operation's events as they happen: `event` with {app, deployId, op, event}. */
  readonly feed = new EventEmitter().setMaxListeners(100);
  readonly log: Log;
  /** Every server's recent lines, for GET /v1/apps/{app}/logs and the admin page (§7). */
  readonly output = new AppLog();

  constructor(
    /** Replaced by a config reload (reconfigure, docs/design.md §7). */
    public config: AppConfig,
    dataDir: string,
    readonly journal: Journal,
    /** How slow an upload may be before it is dropped (stage-upload.ts). */
    readonly uploadLimits = { idleTimeoutMs: 60_000, minBytesPerSecond: 1024 },
    /** Peers whose X-Forwarded-* headers the gate believes (config trustProxy). */
    trustProxy?: (address: string | undefined) => boolean,
    /** Where the servers' lines are echoed: the receiver's own stdout and stderr. */
    echo: EchoOutput = new EchoOutput(),
  ) {
    const dir = join(dataDir, "apps", config.name);
    this.log = createLog(config.name);
    this.runDir = join(dir, "run");
    this.releases = config.folder
      ? new Releases(config.folder.releases, "", {
          folder: { links: [config.exeFile, config.updateFile] },
        })
      : new Releases(join(dataDir, "releases", config.name), basename(config.exeFile));
    this.record = new SwapRecordFile(join(dir, "swap.json"));
    this.hooksPidFile = join(dir, "hooks.json");
    this.pools = new AppPools(
      poolSpec(config),
      {
        log: this.log,
        targetsChanged: () => this.#targetsChanged(),
        restarted: () => this.serverRestarts++,
        output: (line) => {
          this.output.push(line);
          echo.write(config.name, line);
        },
      },
      [join(dir, "servers.json"), join(dir, "servers-next.json")],
    );
    const hold = { timeoutMs: config.hold.timeout, maxRequests: config.hold.maxRequests };
    const log = this.log;
    this.gate =
      config.gate.mode === "socket"
        ? new SocketGate({
            app: config.name,
            host: config.gate.host,
            port: config.gate.port,
            hold,
            unavailable: () => this.unavailable(),
            serving: () => this.pool.targets().length > 0,
            log,
          })
        : new Gate({
            app: config.name,
            host: config.gate.host,
            port: config.gate.port,
            hold,
            timeouts: {
              headersMs: config.gate.headersTimeoutMs,
              bodyIdleMs: config.gate.bodyIdleTimeoutMs,
              bodyMinRate: config.gate.bodyMinRate,
              stallMs: config.gate.stallTimeoutMs,
            },
            trustProxy,
            targets: () => this.pool.targets(),
            onUpstreamFailure: (instance, origin) => this.pools.reportFailure(instance, origin),
            unavailable: () => this.unavailable(),
            log,
          });
  }

  /** A deploy being judged by traffic (watch, canary): what promote and abort end. */
  watching: WatchControl | undefined;
  /** Restarts of servers that stopped on their own, across swaps (every pool's). */
  serverRestarts = 0;
  /** Why the app has no server and waiting will not bring one (none deployed yet). */
  #down: string | undefined;

  /** The servers the gate sends requests to. */
  get pool(): ServerPool {
    return this.pools.serving;
  }

  // Why requests would wait for nothing: no version deployed yet, or every server
  // fails to start. The gate answers them 503 at once instead of holding them.
  unavailable(): string | undefined {
    if (this.#down !== undefined) return this.#down;
    const failing = this.pool.failing();
    return failing && `cannot start its servers: ${failing}`;
  }

  /** Socket mode's socket, once the gate listens: what every server accepts on. */
  #shared(): SharedSocket | undefined {
    return this.gate instanceof SocketGate ? this.gate.shared : undefined;
  }

  #targetsChanged(): void {
    if (this.pool.targets().length > 0) this.#down = undefined;
    this.gate.wake();
  }

  // Comes back from whatever a crash left: orphaned servers, half uploads, a
  // swap cut short; then opens the gate and starts the servers.
  async start(): Promise<void> {
    // Deploys wait (409, which the action retries) until recovery is over.
    this.lock.tryAcquire("start");
    try {
      await this.startUnlocked();
    } finally {
      this.lock.release("start");
    }
  }

  private async startUnlocked(): Promise<void> {
    const reaped = (await this.pools.reapStale()) + (await reapStale(this.hooksPidFile));
    if (reaped)
      this.log(
        "warn",
        `stopped ${reaped} server(s) or hook(s) left running by an earlier receiver`,
      );
    // No server runs from a run copy now.
    await pruneRunCopies(this.runDir, undefined, (m) => this.log("warn", m));
    // A first deploy may go to folders that do not exist yet.
    await mkdir(dirname(this.config.exeFile), { recursive: true });
    await mkdir(dirname(this.config.updateFile), { recursive: true });
    await cleanStaging(this.config.updateFile);
    const { folder } = this.config;
    if (folder) {
      // A folder app's upload is written as its own file before it is unpacked.
      await cleanStaging(folderUploadPath(folder));
      await rm(folderUploadPath(folder), { force: true });
    }
    const recovery = await recover(
      this.config.name,
      this.config.exeFile,
      this.record,
      this.releases,
      this.journal,
      this.replace,
    );
    if (recovery) this.log("warn", recovery.message);
    const { port } = await this.gate.listen().catch((error: NodeJS.ErrnoException) => {
      const { host, port } = this.config.gate;
      throw new Error(
        `cannot listen on ${host}:${port} (apps.${this.config.name}.gate): ${error.code ?? error.message}`,
      );
    });
    this.log(
      "info",
      `gate listening on ${this.config.gate.host}:${port}${this.#shared() ? " (socket mode)" : ""} - ${reach(this.config.gate.host, port)}`,
    );
    this.pools.respec(poolSpec(this.config, this.#shared()));
    if (!(await versionInfo(this.config.exeFile))) {
      this.#down = `has no version deployed yet (exeFile ${this.config.exeFile} does not exist)`;
      this.log("warn", `exeFile ${this.config.exeFile} does not exist yet: deploy a first version`);
      return;
    }
    try {
      await this.pool.start(this.config.exeFile);
    } catch (error) {
      this.log("error", `servers did not start: ${(error as Error).message}`);
      if (!recovery?.fallback) return;
      const fallback = recovery.fallback;
      this.log("warn", `rolling back to release ${fallback.id}`);
      // The swap's own roll back; recovery has cleared the swap record, so nothing notes it.
      const failed = await rollBack(
        {
          app: this.config,
          pool: this.pool,
          releases: this.releases,
          replace: this.replace,
          emit: (event) => this.#logEvent(event),
          note: () => {},
        },
        fallback,
      );
      await this.journal.append({
        deployId: `recover-${fallback.id}`,
        app: this.config.name,
        op: "recover",
        outcome: failed ? "failed" : "rolled-back",
        at: new Date().toISOString(),
        after: fallback,
        message: `the interrupted version did not start (${(error as Error).message}); release ${fallback.id} ${failed ? `did not start either: ${failed.message}` : "serves again"}`,
      });
    }
  }

  // What a step run outside an operation (no stream to report to) says goes to the log.
  #logEvent(event: StreamEvent): void {
    if (event.type === "log") this.log(event.level, event.message);
    else if (event.type === "step" && event.state === "failed")
      this.log("error", `${event.step} failed: ${event.message ?? ""}`);
    else if (event.type === "step" && event.state === "done" && event.message)
      this.log("info", `${event.step}: ${event.message}`);
  }

  /** How long a running swap's steps may take: what stop, a reload or an upgrade waits for its lock. */
  longestSwapMs(): number {
    const { drainTimeoutMs, stopTimeoutMs, health, hold, watch, canary, hooks } = this.config;
    const judging = (watch?.for ?? 0) + (canary?.for ?? 0);
    const steps = drainTimeoutMs + 2 * stopTimeoutMs + 2 * health.timeout + hold.timeout;
    return steps + judging + 2 * hooks.timeout; // beforeSwap and afterRelease
  }

  // A receiver asked to stop lets a running swap finish (up to the time its
  // steps may take), then closes the gate and stops the servers.
  async stop(): Promise<void> {
    // A deploy being judged keeps its build: its old servers need not run on to the end.
    this.watching?.end("promoted", "the receiver stopping");
    const longest = this.longestSwapMs();
    if (!(await this.lock.acquire("stop", longest))) {
      this.log("warn", `${this.lock.busy} did not end in ${longest} ms; stopping anyway`);
    }
    await this.gate.close();
    await this.pool.release(); // a service managed elsewhere runs on
  }

  // A config reload (receiver/lifecycle/reload.ts, docs/design.md §7) with the app's
  // lock held: the new settings apply to whatever starts next (servers, queued
  // requests); the servers running now keep theirs until the reload restarts them.
  reconfigure(next: AppConfig): void {
    this.config = next;
    this.pools.respec(poolSpec(next, this.#shared()));
    this.gate.setHold({ timeoutMs: next.hold.timeout, maxRequests: next.hold.maxRequests });
  }

  async status(): Promise<AppStatus> {
    const { exeFile, updateFile, versionCommand } = this.config;
    const stats = this.gate.stats();
    const watch = this.watching?.live;
    return {
      app: this.config.name,
      exeFile,
      updateFile,
      sources: this.config.sources,
      current: await versionInfo(exeFile, versionCommand),
      staged: await versionInfo(updateFile),
      busy: this.lock.busy !== undefined,
      instances: this.pool.status(),
      hold: { held: stats.held, queued: stats.queued, inflight: stats.inflight },
      unavailable: this.unavailable(),
      releases: await this.releases.list(),
      recent: await this.journal.recent(this.config.name, 20),
      ...(watch ? { watch } : {}),
    };
  }
}

/** What the app's servers run with, from its config. */
function poolSpec(config: AppConfig, socket?: SharedSocket) {
  return {
    ...(socket ? { socket } : {}),
    ...(config.managed ? { managed: config.managed } : {}),
    app: config.name,
    args: config.args,
    env: config.env,
    // exeFile's folder even for servers run from a copy (strategy overlap on Windows);
    // a folder app's servers run in their release folder.
    cwd: dirname(config.exeFile),
    folderExe: config.folder?.exe,
    instances: config.instances,
    health: { path: config.health.path, timeoutMs: config.health.timeout },
    stopTimeoutMs: config.stopTimeoutMs,
    ...(config.stopPath ? { stopPath: config.stopPath } : {}),
  };
}

// Who can reach the gate: a bare `gate: 8080` is every interface, which the log says
// (after a space: tests and scripts read the address up to the first one).
function reach(host: string, port: number): string {
  if (host === "0.0.0.0" || host === "::")
    return `all interfaces, reachable from other machines (gate: ${host === "::" ? "[::1]" : "127.0.0.1"}:${port} keeps it to this host)`;
  if (/^127\.|^::1$|^localhost$/.test(host)) return "this host only";
  return "that interface only";
}

import type { SharedSocket } from "../gate/socket/shared-socket.js";
import type { LogLine } from "./app-log.js";
import type { ManagedSpec } from "./managed-service.js";

// What a pool runs and how it reports; config maps an app's keys onto these.
export interface PoolSpec {
  app: string;
  /** May contain {port} {instance} {exe} {release} {fd}. */
  args: string[];
  /** Merged over process.env; values may contain the same placeholders. */
  env: Record<string, string>;
  /** Default: the folder of the exe. */
  cwd?: string;
  /**
   * A folder app's program inside a release: the pool is started on the `current` link,
   * and each server runs <release>/<folderExe> in its release folder (resolved at launch,
   * so a later swap of the link does not move a running server).
   */
  folderExe?: string;
  instances: number;
  /** path: GET it must answer 2xx; no path: a TCP connect must succeed. */
  health: { path?: string; timeoutMs: number };
  stopTimeoutMs: number;
  /** A POST here on a server's own port asks it to stop (stop-request.ts), before SIGTERM or taskkill. */
  stopPath?: string;
  /** Where live children are recorded so a restarted receiver can reap orphans. */
  pidFile?: string;
  /**
   * Socket mode (docs/design.md §3): every server accepts on the gate's own socket as
   * fd 3 ({fd}); {port} is the gate's port, and the health path is asked through it.
   */
  socket?: SharedSocket;
  /**
   * Servers managed elsewhere (docs/design.md §8, `commands:`): one server a service
   * manager runs, stopped and started by its commands (managed-service.ts).
   */
  managed?: ManagedSpec;
}

export interface PoolEvents {
  log(level: "info" | "warn" | "error", message: string): void;
  /** The set of healthy targets changed (the gate wakes queued requests). */
  targetsChanged(): void;
  /** A server that stopped on its own was started again (a counter for metrics). */
  restarted?(): void;
  /** Every line a server prints, split, cut and made safe (output-ring.ts). */
  output?(line: LogLine): void;
}

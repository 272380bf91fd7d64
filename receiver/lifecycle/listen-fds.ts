import type { Server as NetServer } from "node:net";
import { closeSync } from "node:fs";
import type { Log } from "../log.js";

// Listening sockets handed to this process (docs/design.md §7), one mechanism for
// both ways they come:
// - systemd socket activation: LISTEN_FDS=N, LISTEN_PID=<our pid>, fds 3..3+N-1,
//   named in LISTEN_FDNAMES (colon-separated, from each .socket unit's
//   FileDescriptorName=);
// - an upgrade (SIGUSR2): the old receiver spawns this one with its sockets as fds
//   3..3+N-1 and the same variables, but cannot know our pid before we run, so it
//   sets HOTSWAP_UPGRADE_FROM=<its pid> instead of LISTEN_PID (upgrade.ts).
// Names: `api` and `gate.<app>`. Not `gate:<app>`: ':' separates the names in
// LISTEN_FDNAMES, and systemd refuses it in FileDescriptorName=.
export const FIRST_FD = 3;

export const gateFdName = (app: string) => `gate.${app}`;

export interface ListenFds {
  /** fd by name. */
  byName: Map<string, number>;
  /** Why they were handed over: by systemd, or by the receiver upgrading to this one. */
  from: "systemd" | "upgrade";
}

// Reads and clears the variables (the app's servers must not inherit them, nor
// take the sockets for theirs). Unnamed fds get "unknown", as systemd names them.
export function takeListenFds(
  env: NodeJS.ProcessEnv = process.env,
  pid = process.pid,
): ListenFds | undefined {
  const count = Number(env.LISTEN_FDS);
  const forUs = Number(env.LISTEN_PID) === pid;
  const upgrade = env.HOTSWAP_UPGRADE_FROM !== undefined && process.send !== undefined;
  const names = (env.LISTEN_FDNAMES ?? "").split(":");
  delete env.LISTEN_FDS;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDNAMES;
  if (!Number.isInteger(count) || count <= 0 || !(forUs || upgrade)) return undefined;
  const byName = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const name = names[i] || "unknown";
    // A second socket of the same name would be dropped silently: make it unknown, and say so.
    byName.set(byName.has(name) ? `${name}#${i}` : name, FIRST_FD + i);
  }
  return { byName, from: upgrade ? "upgrade" : "systemd" };
}

/** Closes the handed-over fds no listener of the config took (each said in one warning). */
export function closeUnused(fds: ListenFds, used: Set<string>, log: Log): void {
  for (const [name, fd] of fds.byName) {
    if (used.has(name)) continue;
    log(
      "warn",
      `listening socket "${name}" (fd ${fd}, from ${fds.from}) is not a listener of the config: closed`,
    );
    try {
      closeSync(fd);
    } catch {
      // Already gone: nothing listens on it either way.
    }
  }
}

// The descriptor of a listening socket, to hand to a new receiver (POSIX only: Node
// keeps it on the server's handle; Windows has none to pass on).
export function listeningFd(server: NetServer, what: string): number {
  const fd = (server as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== "number" || fd < 0)
    throw new Error(`${what} has no listening socket whose descriptor can be handed over`);
  return fd;
}

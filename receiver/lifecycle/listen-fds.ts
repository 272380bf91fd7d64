import type { Server as NetServer, Socket } from "node:net";
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
// - an upgrade where descriptors cannot be passed (Windows: Node keeps none on a
//   server's handle): the old receiver sends each listening server over the IPC
//   channel instead, named in HOTSWAP_UPGRADE_SOCKET_NAMES (upgrade.ts receiveSockets).
// Names: `api` and `gate.<app>`. Not `gate:<app>`: ':' separates the names in
// LISTEN_FDNAMES, and systemd refuses it in FileDescriptorName=.
export const FIRST_FD = 3;

export const gateFdName = (app: string) => `gate.${app}`;

/**
 * A listening socket handed to this process: a descriptor, or a server received over
 * the IPC channel (whose handle a listener takes over: net.Server's listen(handle)).
 */
export type HandedSocket = number | NetServer;

/** Connections a server received over the channel accepted before a listener took it. */
const acceptedEarly = new WeakMap<NetServer, Socket[]>();

/**
 * A server just received over the IPC channel: it is listening (Node's doing) with no
 * one to serve what it accepts until a listener takes its socket (listenHanded), so
 * what it accepts meanwhile waits, paused, and goes to that listener.
 */
export function keepAccepted(server: NetServer): void {
  const queue: Socket[] = [];
  acceptedEarly.set(server, queue);
  (server as NetServer & { pauseOnConnect: boolean }).pauseOnConnect = true; // read by net.Server
  server.on("connection", (socket: Socket) => queue.push(socket));
}

/** `server` listens on a handed socket (server.listen: an fd, or another server's handle). */
export function listenHanded(
  server: NetServer,
  socket: HandedSocket,
  backlog: number | undefined,
  listening: () => void,
): void {
  if (typeof socket === "number") {
    server.listen({ fd: socket, backlog }, listening);
    return;
  }
  // listen(handle) takes the socket over at once; what the received server had
  // accepted until now is passed on as if this one had.
  server.listen(socket, () => {
    const early = acceptedEarly.get(socket) ?? [];
    acceptedEarly.delete(socket);
    socket.removeAllListeners("connection");
    for (const connection of early) {
      server.emit("connection", connection);
      connection.resume();
    }
    listening();
  });
}

export interface ListenFds {
  /** Socket by name. */
  byName: Map<string, HandedSocket>;
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
  const byName = new Map<string, HandedSocket>();
  for (let i = 0; i < count; i++) {
    const name = names[i] || "unknown";
    // A second socket of the same name would be dropped silently: make it unknown, and say so.
    byName.set(byName.has(name) ? `${name}#${i}` : name, FIRST_FD + i);
  }
  return { byName, from: upgrade ? "upgrade" : "systemd" };
}

/** Closes the handed-over fds no listener of the config took (each said in one warning). */
export function closeUnused(fds: ListenFds, used: Set<string>, log: Log): void {
  for (const [name, socket] of fds.byName) {
    if (used.has(name)) continue;
    const which = typeof socket === "number" ? `fd ${socket}` : "over the IPC channel";
    log(
      "warn",
      `listening socket "${name}" (${which}, from ${fds.from}) is not a listener of the config: closed`,
    );
    try {
      if (typeof socket === "number") closeSync(socket);
      else socket.close();
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

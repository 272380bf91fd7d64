import { spawn } from "node:child_process";
import * as net from "node:net";

// Socket mode's one listening socket (docs/design.md §3, issue 16): the receiver binds
// it and keeps it open for the app's life, and never accepts on it; the app's servers
// accept on it themselves (inherited as fd 3), so while none runs (a hold) new
// connections wait in the kernel's accept queue, as systemd socket activation, einhorn
// and tableflip do it. Node has no public call for a socket that is bound and listening
// but not accepted on: net.Server accepts as soon as it listens. So the socket is bound
// here with net's own server-handle maker (what cluster's primary uses to hold a shared
// port without accepting), and put into the listening state by a short-lived child that
// calls listen(2) on its copy with the backlog wanted, then exits. POSIX only: Node
// passes no socket descriptors to children on Windows.

/** A bound, listening socket this process holds and never accepts on. */
export interface SharedSocket {
  /** The descriptor, for a child's stdio[3]. */
  readonly fd: number;
  readonly host: string;
  readonly port: number;
  /** Lets the socket go in this process (children that hold a copy keep it open). */
  close(): void;
}

interface ServerHandle {
  fd: number;
  getsockname(out: { address?: string; port?: number }): number;
  close(): void;
}
type CreateServerHandle = (
  address: string,
  port: number,
  addressType: 4 | 6,
  fd?: number,
) => ServerHandle | number;

// The errno names libuv returns as negative numbers.
const ERRNO: Record<number, string> = {
  [-98]: "EADDRINUSE",
  [-99]: "EADDRNOTAVAIL",
  [-13]: "EACCES",
};

/** Where to connect to reach a socket bound to `host`: the wildcard as loopback. */
export const connectHost = (host: string) =>
  host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;

/** Binds host:port (0: any free port) and makes it listen with `backlog`; never accepts here. */
export async function bindShared(
  host: string,
  port: number,
  backlog: number,
): Promise<SharedSocket> {
  const create = (net as unknown as { _createServerHandle?: CreateServerHandle })
    ._createServerHandle;
  if (typeof create !== "function")
    throw new Error(
      `this Node (${process.version}) has no net._createServerHandle: socket mode needs it`,
    );
  const handle = create(host, port, net.isIPv6(host) ? 6 : 4);
  if (typeof handle === "number") {
    const error = new Error(`cannot bind ${host}:${port}: ${ERRNO[handle] ?? `errno ${handle}`}`);
    throw Object.assign(error, { code: ERRNO[handle] });
  }
  // libuv keeps a bind's EADDRINUSE for the listen(2) that follows, which here runs in
  // another process (and would bind an unbound socket to any free port): a socket not
  // bound where it was asked is refused here, as the address in use it most likely is.
  const bound: { address?: string; port?: number } = {};
  handle.getsockname(bound);
  if (!bound.port || (port !== 0 && bound.port !== port)) {
    handle.close();
    const error = new Error(`cannot bind ${host}:${port}: EADDRINUSE`);
    throw Object.assign(error, { code: "EADDRINUSE" });
  }
  try {
    await listenIn(handle.fd, backlog);
  } catch (error) {
    handle.close();
    throw error;
  }
  return { fd: handle.fd, host, port: bound.port, close: () => handle.close() };
}

// A listening socket handed to this process as a descriptor (an upgrade from a receiver
// that held it, or systemd): held as a TCP handle that never listens here, only to read
// its address and to close it; nothing in this process accepts on it. (Opening it with
// net's server-handle maker trips an assertion in Node for a descriptor it did not make.)
export function adoptShared(fd: number, host: string): SharedSocket {
  const binding = (
    process as unknown as {
      binding(name: string): { TCP: TcpClass; constants: { SERVER: number } };
    }
  ).binding("tcp_wrap");
  const handle = new binding.TCP(binding.constants.SERVER);
  const opened = handle.open(fd);
  const bound: { address?: string; port?: number } = {};
  if (opened !== 0 || handle.getsockname(bound) !== 0 || !bound.port) {
    handle.close();
    throw new Error(`descriptor ${fd} is not a bound TCP socket (${ERRNO[opened] ?? opened})`);
  }
  return { fd, host, port: bound.port, close: () => handle.close() };
}
type TcpClass = new (type: number) => ServerHandle & { open(fd: number): number };

// A child calls listen(2) on its copy of `fd`, then exits: the socket listens with
// `backlog`, and nothing accepts on it until a server does.
function listenIn(fd: number, backlog: number): Promise<void> {
  const script = `require("node:net").createServer().listen({ fd: 3, backlog: ${Math.floor(backlog)} }, () => process.exit(0)).on("error", (e) => { console.error(e.message); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", script], {
      stdio: ["ignore", "ignore", "pipe", fd],
      env: {},
    });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`cannot listen on the socket: ${stderr.trim() || `exit ${code}`}`)),
    );
  });
}

// A server inherits the socket as fd 3 with systemd's variables: LISTEN_FDS=1,
// LISTEN_FDNAMES=gate, and LISTEN_PID set to its own pid, which only the process
// itself can know: Node cannot set a child's env after fork, so /bin/sh does it and
// execs the server in its own place (same pid). `"$0" "$@"` pass the exe and its
// arguments through untouched, never split or expanded.
const EXEC_WITH_PID = 'LISTEN_PID=$$; export LISTEN_PID; exec "$0" "$@"';

/** How to spawn `exe args` so it inherits `socket` as fd 3: command, args, extra env, stdio. */
export function inheritSocket(socket: SharedSocket, exe: string, args: string[]) {
  return {
    command: "/bin/sh",
    args: ["-c", EXEC_WITH_PID, exe, ...args],
    env: { LISTEN_FDS: "1", LISTEN_FDNAMES: "gate" },
    fd: socket.fd,
  };
}

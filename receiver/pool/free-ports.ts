import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";

/** How many ports below the OS's ephemeral range servers' ports are picked from. */
const SPAN = 16_384;
/** Tries at a random port before the OS is asked for any (port 0). */
const TRIES = 64;

// Servers get ports the OS says are free instead of a configured range that may
// collide. All sockets stay open until every port is known, so one call never hands
// out the same port twice. The ports come from just below the OS's ephemeral range:
// one the OS picked for port 0 is also the kind it gives every outgoing connection, and
// on a busy machine one of those can take the port in the moment between this check and
// the server's own listen (EADDRINUSE, a good build taken for a broken one).
export async function freePorts(count: number, range = hostRange()): Promise<number[]> {
  const sockets: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const socket = createServer();
      sockets.push(socket);
      ports.push(await listenInRange(socket, range));
    }
    return ports;
  } finally {
    await Promise.all(sockets.map((socket) => new Promise((done) => socket.close(done))));
  }
}

// The host's range is read once: every pool start asks for ports.
let cached: [number, number] | undefined;
const hostRange = () => (cached ??= serverPortRange());

/** [lowest, highest] a server's port is picked from: below the ephemeral ports. */
export function serverPortRange(
  platform: NodeJS.Platform = process.platform,
  read: (file: string) => string = (file) => readFileSync(file, "utf8"),
  env: NodeJS.ProcessEnv = process.env,
): [number, number] {
  // Where the host's ranges are its own (Wine maps Windows' ports onto Linux's): LOW-HIGH.
  const given = /^(\d+)-(\d+)$/.exec(env.HOTSWAP_SERVER_PORTS ?? "");
  if (
    given &&
    Number(given[1]) >= 1024 &&
    Number(given[2]) <= 65_535 &&
    Number(given[1]) < Number(given[2])
  )
    return [Number(given[1]), Number(given[2])];
  // Linux says its range; Windows, macOS and the BSDs use IANA's 49152-65535.
  let ephemeralLow = 49_152;
  if (platform === "linux") {
    try {
      const low = Number(read("/proc/sys/net/ipv4/ip_local_port_range").trim().split(/\s+/)[0]);
      if (Number.isInteger(low) && low > 1024) ephemeralLow = low;
    } catch {
      // no /proc: keep IANA's
    }
  }
  return [Math.max(1024, ephemeralLow - SPAN), ephemeralLow - 1];
}

async function listenInRange(socket: Server, [low, high]: [number, number]): Promise<number> {
  for (let i = 0; i < TRIES && high > low; i++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    const got = await listenOn(socket, port).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE" || error.code === "EACCES") return undefined;
      throw error;
    });
    if (got !== undefined) return got;
  }
  return listenOn(socket, 0); // the range is full: any port the OS gives
}

function listenOn(socket: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => reject(error);
    socket.once("error", fail);
    socket.listen({ host: "127.0.0.1", port, exclusive: true }, () => {
      socket.off("error", fail);
      const address = socket.address();
      if (address && typeof address === "object") resolve(address.port);
      else reject(new Error("could not read the port the OS picked"));
    });
  });
}

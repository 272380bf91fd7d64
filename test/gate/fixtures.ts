// Real sockets for the gate tests: small node:http servers standing in for the app's
// instances, a Gate on an ephemeral port, and a raw-socket client for exact headers.
import { createHash } from "node:crypto";
import {
  createServer,
  type IncomingHttpHeaders,
  type RequestListener,
  type Server,
} from "node:http";
import { connect, type AddressInfo } from "node:net";
import { Gate, type GateOptions } from "../../receiver/gate/gate.js";
import type { Target } from "../../receiver/pool/target.js";

export interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface Upstream {
  name: string;
  target: Target;
  seen: Seen[];
}

const cleanups: (() => Promise<unknown>)[] = [];

/** Close everything the test started, newest first (afterEach). */
export async function cleanup(): Promise<void> {
  for (let next = cleanups.pop(); next; next = cleanups.pop()) await next();
}

export const sha256 = (data: Buffer): string => createHash("sha256").update(data).digest("hex");

/** An instance that records what it saw; by default it echoes a digest of the body. */
export async function startUpstream(instance: number, handler?: RequestListener) {
  const name = `u${instance}`;
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    (handler ?? echo(name))(req, res);
  });
  const port = await listen(server);
  cleanups.push(() => stop(server));
  return { name, seen, target: { instance, origin: `http://127.0.0.1:${port}` } } as Upstream;
}

/** A target whose port nobody listens on: connecting is refused. */
export async function deadTarget(instance: number): Promise<Target> {
  const server = createServer();
  const port = await listen(server);
  await stop(server);
  return { instance, origin: `http://127.0.0.1:${port}` };
}

export async function startGate(targets: () => Target[], options: Partial<GateOptions> = {}) {
  const hold = { timeoutMs: 30_000, maxRequests: 100 };
  const gate = new Gate({ app: "webdemo", host: "127.0.0.1", port: 0, hold, targets, ...options });
  const { port } = await gate.listen();
  cleanups.push(() => gate.close());
  return { gate, port, url: `http://127.0.0.1:${port}` };
}

/** Send bytes exactly as written; resolve with the whole answer once the gate closes. */
export function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => resolve(Buffer.concat(chunks).toString("latin1")));
    socket.on("error", reject);
  });
}

function echo(name: string): RequestListener {
  return (req, res) => {
    const hash = createHash("sha256");
    let length = 0;
    req.on("data", (chunk: Buffer) => {
      hash.update(chunk);
      length += chunk.length;
    });
    req.on("end", () => {
      const { method, url } = req;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ name, method, url, length, sha256: hash.digest("hex") }));
    });
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

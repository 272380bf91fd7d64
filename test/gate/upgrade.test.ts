import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Target } from "../../receiver/pool/target.js";
import { cleanup, rawRequest, startGate } from "./fixtures.js";
import { waitFor } from "../helpers/wait-for.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await cleanup();
});

// An instance that accepts `Upgrade: echo` and then sends back every byte it gets.
async function echoServer(instance: number, name = `u${instance}`) {
  const seen: string[] = [];
  const sockets: Socket[] = [];
  const server = createServer((_req, res) => res.end(`${name} plain\n`));
  server.on("upgrade", (req, socket: Socket) => {
    seen.push(`${req.headers.upgrade} ${req.headers.connection} ${req.url}`);
    sockets.push(socket);
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\nX-Name: ${name}\r\n\r\n`,
    );
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  const target: Target = {
    instance,
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  };
  return { target, seen, sockets, name };
}

// A raw client: sends the upgrade request, resolves with the answer's head and the socket.
function openUpgrade(port: number, path = "/live"): Promise<{ head: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () =>
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: example.test\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n`,
      ),
    );
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      const end = got.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onData);
      const rest = got.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve({ head: got.subarray(0, end).toString("latin1"), socket });
    };
    socket.on("data", onData);
    socket.on("error", reject);
  });
}

function readBytes(socket: Socket, count: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= count) {
        socket.off("data", onData);
        resolve(Buffer.concat(chunks));
      }
    };
    socket.on("data", onData);
    socket.once("close", () => reject(new Error(`closed after ${got} of ${count} bytes`)));
  });
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("gate upgrades (WebSocket and others)", () => {
  it("tunnels an upgrade both ways with backpressure: 8 MiB sent, 8 MiB echoed", async () => {
    const up = await echoServer(0);
    const { gate, port } = await startGate(() => [up.target]);
    const { head, socket } = await openUpgrade(port);
    expect(head).toMatch(/^HTTP\/1\.1 101 /);
    expect(head).toMatch(/X-Name: u0/);
    expect(up.seen).toEqual(["echo upgrade /live"]);
    expect(gate.stats().inflight).toBe(1); // a tunnel counts as in flight
    const data = randomBytes(8 * 1024 * 1024);
    const back = readBytes(socket, data.length);
    socket.write(data);
    expect(sha((await back).subarray(0, data.length))).toBe(sha(data));
    socket.destroy();
    await waitFor(() => gate.stats().inflight === 0, "the tunnel to end");
    expect(gate.stats().served).toBe(1);
  });

  it("holds an upgrade during a hold and hands it to the new server at release", async () => {
    const old = await echoServer(0, "old");
    const fresh = await echoServer(1, "new");
    let targets = [old.target];
    const { gate, port } = await startGate(() => targets);
    gate.hold();
    const opening = openUpgrade(port);
    await waitFor(() => gate.stats().queued === 1, "the upgrade to wait in the hold queue");
    targets = [fresh.target];
    gate.release();
    const { head, socket } = await opening;
    expect(head).toMatch(/X-Name: new/);
    expect(old.seen).toHaveLength(0);
    socket.destroy();
  });

  it("answers a held upgrade 503 with Retry-After when the hold times out", async () => {
    const up = await echoServer(0);
    const { gate, port } = await startGate(() => [up.target], {
      hold: { timeoutMs: 200, maxRequests: 10 },
    });
    gate.hold();
    const { head, socket } = await openUpgrade(port);
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(head).toMatch(/retry-after: 1/i);
    await new Promise((resolve) => socket.once("close", resolve));
    expect(up.seen).toHaveLength(0);
  });

  it("cuts an open tunnel when told to (drainTimeout during a swap)", async () => {
    const up = await echoServer(0);
    const { gate, port } = await startGate(() => [up.target]);
    const { socket } = await openUpgrade(port);
    const closed = new Promise((resolve) => socket.once("close", resolve));
    expect(await gate.drain(100)).toBe(false);
    expect(gate.cut([up.target.origin])).toBe(1);
    await closed;
    await waitFor(() => gate.stats().inflight === 0, "the tunnel to end");
    expect(await gate.drain(100)).toBe(true);
  });

  it("passes a server's refusal of an upgrade through as it was sent", async () => {
    const { target } = await (async () => {
      const server = createServer((_req, res) => res.writeHead(426).end("upgrade elsewhere\n"));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      servers.push(server);
      return {
        target: {
          instance: 0,
          origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        },
      };
    })();
    const { port } = await startGate(() => [target]);
    const { head } = await openUpgrade(port);
    expect(head).toMatch(/^HTTP\/1\.1 426 /);
  });

  it("answers CONNECT 405: the gate is not a forward proxy", async () => {
    const { port } = await startGate(() => []);
    const answer = await rawRequest(
      port,
      "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
    );
    expect(answer).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    expect(answer).toMatch(/CONNECT is not allowed/);
  });
});

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startRefuser, REFUSER_HEADER } from "../../../receiver/gate/socket/refuser.js";
import { SocketGate } from "../../../receiver/gate/socket/socket-gate.js";
import { probeHealth } from "../../../receiver/pool/probe-health.js";
import { waitFor } from "../../helpers/wait-for.js";
import {
  bindShared,
  inheritSocket,
  type SharedSocket,
} from "../../../receiver/gate/socket/shared-socket.js";

// A server as socket mode runs it: it accepts on the inherited fd 3 and checks systemd's
// variables (LISTEN_PID must be its own pid), answering "NAME PID".
const APP = `
const http = require("node:http");
const { LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES } = process.env;
if (LISTEN_FDS !== "1" || Number(LISTEN_PID) !== process.pid || LISTEN_FDNAMES !== "gate") {
  console.error("bad env", LISTEN_FDS, LISTEN_PID, process.pid, LISTEN_FDNAMES); process.exit(3);
}
const server = http.createServer((req, res) => res.end(process.argv[2] + " " + process.pid + "\\n"));
server.listen({ fd: 3 }, () => console.log("listening"));
process.on("SIGTERM", () => { server.close(() => process.exit(0)); server.closeIdleConnections(); });
`;

const dir = mkdtempSync(join(tmpdir(), "hotswap-socket-"));
const app = join(dir, "app.js");
writeFileSync(app, APP);

const children: ChildProcess[] = [];
const sockets: SharedSocket[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  for (const socket of sockets.splice(0)) socket.close();
});

async function bind(backlog = 511): Promise<SharedSocket> {
  const socket = await bindShared("127.0.0.1", 0, backlog);
  sockets.push(socket);
  return socket;
}

/** Starts the app on the shared socket; resolves once it says it listens. */
function startApp(socket: SharedSocket, name: string): Promise<ChildProcess> {
  const how = inheritSocket(socket, process.execPath, [app, name]);
  const child = spawn(how.command, how.args, {
    env: { ...process.env, ...how.env },
    stdio: ["ignore", "pipe", "inherit", how.fd],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (c: Buffer) => c.toString().includes("listening") && resolve(child));
    child.on("exit", (code) => reject(new Error(`the app exited with ${code}`)));
  });
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });

/** A GET on a fresh connection: status, body, a header. */
async function get(socket: SharedSocket) {
  const res = await fetch(`http://127.0.0.1:${socket.port}/`, { headers: { connection: "close" } });
  return {
    status: res.status,
    body: (await res.text()).trim(),
    refused: res.headers.get(REFUSER_HEADER),
    retryAfter: res.headers.get("retry-after"),
  };
}

describe("socket mode's shared socket: bound and listening in the receiver, accepted on by the servers", () => {
  it("keeps a connection that came while no server runs in the accept queue until one does", async () => {
    const socket = await bind();
    const early = get(socket);
    await new Promise((r) => setTimeout(r, 300));
    const v1 = await startApp(socket, "v1");
    expect((await early).body).toBe(`v1 ${v1.pid}`); // LISTEN_PID was its own pid, or it exited 3
  });

  it("holds fresh connections across a swap of the servers: none refused, all answered by one or the other", async () => {
    const socket = await bind();
    let server = await startApp(socket, "v1");
    const answers: Promise<{ status: number; body: string }>[] = [];
    const sending = setInterval(() => answers.push(get(socket)), 5);
    for (const name of ["v2", "v3", "v4"]) {
      await new Promise((r) => setTimeout(r, 100));
      await stop(server); // nobody accepts now: the kernel queues
      await new Promise((r) => setTimeout(r, 100));
      server = await startApp(socket, name);
    }
    await new Promise((r) => setTimeout(r, 100));
    clearInterval(sending);
    const got = await Promise.all(answers);
    expect(got.filter((a) => a.status !== 200)).toEqual([]);
    expect(new Set(got.map((a) => a.body.split(" ")[0]))).toEqual(
      new Set(["v1", "v2", "v3", "v4"]),
    );
    console.log(`${got.length} fresh connections across 3 swaps of the server, 0 refused`);
  });

  it("answers what waits 503 with Retry-After through the refuser, then the next server takes over", async () => {
    const socket = await bind();
    const waiting = get(socket);
    const refuser = startRefuser(socket, {
      message: "hotswap: webdemo stayed on hold longer than 3s",
      retryAfterS: 3,
    });
    expect(await waiting).toMatchObject({
      status: 503,
      refused: "1",
      retryAfter: "3",
      body: "hotswap: webdemo stayed on hold longer than 3s",
    });
    await refuser.stop();
    await startApp(socket, "v2");
    expect((await get(socket)).body).toMatch(/^v2 /);
  });

  it("a health probe answered by the refuser is not the server's: not healthy, marked refused", async () => {
    const socket = await bind();
    const refuser = startRefuser(socket, { message: "held", retryAfterS: 1 });
    const probe = await probeHealth(socket.port, "/health", 2_000);
    expect(probe).toEqual({
      ok: false,
      refused: true,
      message: "GET /health was answered by the receiver's refuser",
    });
    await refuser.stop();
  });

  it("says which address is taken, with its code", async () => {
    const taken = createServer().listen(0, "127.0.0.1");
    await new Promise((r) => taken.once("listening", r));
    const { port } = taken.address() as { port: number };
    await expect(bindShared("127.0.0.1", port, 511)).rejects.toMatchObject({
      code: "EADDRINUSE",
      message: `cannot bind 127.0.0.1:${port}: EADDRINUSE`,
    });
    taken.close();
  });
});

// The receiver's side of socket mode (socket-gate.ts): what waits in the accept queue is
// left alone while a hold lasts under hold.timeout, answered 503 past it or while the
// app cannot serve, and the refusals stop as soon as a server is up.
describe("SocketGate: the hold is the accept queue, and its bound is the refuser", () => {
  const gates: SocketGate[] = [];
  afterEach(async () => {
    for (const gate of gates.splice(0)) await gate.close();
  });

  function socketGate(o: { timeoutMs: number; down?: () => string | undefined }) {
    let serving = false;
    const gate = new SocketGate({
      app: "webdemo",
      host: "127.0.0.1",
      port: 0,
      hold: { timeoutMs: o.timeoutMs, maxRequests: 100 },
      unavailable: o.down ?? (() => undefined),
      serving: () => serving,
    });
    gates.push(gate);
    return { gate, serve: (on: boolean) => ((serving = on), gate.wake()) };
  }

  it("keeps a held connection queued until hold.timeout, then answers it 503; a server up ends the refusals", async () => {
    const { gate, serve } = socketGate({ timeoutMs: 600 });
    await gate.listen();
    const socket = gate.shared!;
    gate.hold();
    const startedAt = performance.now();
    const waiting = get(socket);
    const early = await Promise.race([waiting, sleep(300).then(() => "still waiting")]);
    expect(early).toBe("still waiting");
    expect(await waiting).toMatchObject({ status: 503, refused: "1", retryAfter: "1" });
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(550);
    await waitFor(() => gate.stats().rejected === 1, "the refusal counted");
    expect(gate.stats().held).toBe(true);
    // A server comes up under the hold: the refuser goes, the server answers.
    await startApp(socket, "v2");
    serve(true);
    await waitFor(async () => (await get(socket)).body.startsWith("v2 "), "v2 answering alone");
    expect(gate.release()).toBe(true);
    expect(gate.stats().held).toBe(false);
  });

  it("a hold released in time refuses nothing: the queued connection goes to the next server", async () => {
    const { gate, serve } = socketGate({ timeoutMs: 1_000 });
    await gate.listen();
    gate.hold();
    const waiting = get(gate.shared!);
    await sleep(300);
    await startApp(gate.shared!, "v3");
    serve(true);
    gate.release();
    expect(await waiting).toMatchObject({ status: 200, refused: null });
    expect(gate.stats().rejected).toBe(0);
  });

  it("answers 503 at once while the app cannot serve, and stops once it can", async () => {
    let down: string | undefined = "has no version deployed yet";
    const { gate, serve } = socketGate({ timeoutMs: 10_000, down: () => down });
    await gate.listen();
    const refused = await get(gate.shared!);
    expect(refused).toMatchObject({ status: 503, refused: "1" });
    expect(refused.body).toMatch(/webdemo is not available: has no version deployed yet/);
    down = undefined;
    await startApp(gate.shared!, "v1");
    serve(true);
    await waitFor(async () => (await get(gate.shared!)).refused === null, "the refuser gone");
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

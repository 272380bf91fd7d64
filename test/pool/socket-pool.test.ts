import { afterEach, describe, expect, it } from "vitest";
import { bindShared, type SharedSocket } from "../../receiver/gate/socket/shared-socket.js";
import { Pool } from "../../receiver/pool/pool.js";
import { createWorkspace } from "../helpers/workspace.js";
import { formatReport, loadReport, openLoad } from "../load/open-load.mjs";

const RATE = 200; // requests per second, straight at the shared socket

// Socket mode at the pool's level: the servers accept on the gate's own socket, so a
// stop and a start of the pool is a hold done by the kernel's accept queue.
describe("a pool on the gate's shared socket (socket mode)", () => {
  let socket: SharedSocket | undefined;
  let pool: Pool | undefined;
  afterEach(async () => {
    await pool?.stop();
    socket?.close();
  });

  it.each([
    { keepAliveShare: 0, what: "fresh connections" },
    { keepAliveShare: 1, what: "keep-alive clients" },
  ])("loses no request over 5 restarts on new builds, $what", async ({ keepAliveShare, what }) => {
    const ws = createWorkspace({ v1: { socket: true } });
    socket = await bindShared("127.0.0.1", 0, 1000);
    pool = new Pool({
      app: "webdemo",
      args: [],
      env: { PORT: "{port}", FD: "{fd}" },
      instances: 2,
      health: { path: "/health", timeoutMs: 10_000 },
      stopTimeoutMs: 10_000,
      socket,
    });
    await pool.start(ws.exeFile);
    expect(pool.status().map((s) => s.port)).toEqual([socket.port, socket.port]);
    const load = openLoad({
      url: `http://127.0.0.1:${socket.port}`,
      rate: RATE,
      mix: { get: 3, post: 1 },
      keepAliveShare,
    });
    for (const name of ["v2", "v3", "v4", "v5", "v6"]) {
      await new Promise((r) => setTimeout(r, 300));
      await pool.stop(); // nothing accepts: new connections wait in the accept queue
      await pool.start(ws.version(name, { socket: true }));
    }
    await new Promise((r) => setTimeout(r, 300));
    const report = loadReport(await load.stop());
    console.log(`socket mode, ${what}, 5 restarts:\n${formatReport(report)}`);
    expect(report.failures, formatReport(report)).toEqual({});
    expect(report).toMatchObject({ sent: load.scheduled, failed: 0 });
    expect(report.versions).toEqual(["v1", "v2", "v3", "v4", "v5", "v6"]);
  });
});

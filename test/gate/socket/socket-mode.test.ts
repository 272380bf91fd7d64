import { readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { FailedResult, OkResult, StreamEvent } from "../../../receiver/protocol.js";
import { REFUSER_HEADER } from "../../../receiver/gate/socket/refuser.js";
import { deploy } from "../../helpers/deploy.js";
import { startReceiver, type ReceiverProcess } from "../../helpers/receiver-process.js";
import { waitFor } from "../../helpers/wait-for.js";
import { createWorkspace, type Workspace } from "../../helpers/workspace.js";
import { finishLoad } from "../../load/finish-load.js";
import { loadReport } from "../../load/open-load.mjs";
import { trafficTo } from "../../load/traffic.js";
import { reload } from "../../lifecycle/reload-workspace.js";
import { stopAll, upgrade } from "../../lifecycle/upgrade-helpers.js";

const RATE = 200; // requests per second through the gate, whether or not answers keep up

// Socket mode through the real receiver (docs/design.md §3): the app's servers accept on
// the gate's port themselves (inherited as fd 3, LISTEN_FDS), and a swap's hold is the
// kernel's accept queue while no server accepts. The test app is a well-behaved one: at
// SIGTERM it stops accepting and closes each open connection after its next answer.
describe("gate mode socket", () => {
  let ws: Workspace | undefined;
  let rx: ReceiverProcess | undefined;
  const pids: number[] = [];
  afterEach(async () => {
    if (ws) await stopAll(ws.data, pids);
    await rx?.kill();
    ws = rx = undefined;
    pids.length = 0;
  });

  async function start(app: Record<string, unknown> = {}, v1: object | null = { socket: true }) {
    // stopTimeout past the app's keep-alive timeout (5 s): a well-behaved server lets its
    // idle keep-alive connections close by it, and must not be killed before.
    const gate = { listen: "127.0.0.1:0", mode: "socket" };
    ws = createWorkspace({ app: { gate, stopTimeout: "12s", ...app }, v1 });
    rx = await startReceiver(ws.configFile);
    pids.push(rx.child.pid!);
    return { ws, rx };
  }

  it.each([
    { keepAliveShare: 0, what: "fresh connections" },
    { keepAliveShare: 1, what: "keep-alive clients" },
  ])(
    "strategy hold: 5 deploys under load lose no request, $what",
    async ({ keepAliveShare, what }) => {
      const { ws, rx } = await start();
      expect(rx.logs.join("\n")).toMatch(/gate listening on 127\.0\.0\.1:\d+ \(socket mode\)/);
      const load = await trafficTo(rx.gate(), { rate: RATE, keepAliveShare });
      for (const name of ["v2", "v3", "v4", "v5", "v6"]) {
        const result = await deploy(rx, ws.version(name, { socket: true }));
        expect(result.status, JSON.stringify(result.events)).toBe(200);
        expect(result.result).toMatchObject({ ok: true });
        await new Promise((r) => setTimeout(r, 200));
      }
      const report = await finishLoad(load, `socket mode, hold, ${what}, 5 deploys`);
      expect(report.versions).toEqual(["v1", "v2", "v3", "v4", "v5", "v6"]);
      // Every server's port is the gate's: they accept on its socket.
      const status = (await (await fetch(`${rx.gate()}/`)).text()).trim();
      expect(status).toBe("v6");
    },
  );

  it("strategy overlap: the new servers join the socket, then the old ones stop; no request lost", async () => {
    const { ws, rx } = await start({ strategy: "overlap" });
    const load = await trafficTo(rx.gate(), { rate: RATE, keepAliveShare: 0.5 });
    for (const name of ["v2", "v3", "v4"]) {
      const events: StreamEvent[] = [];
      const result = await deploy(rx, ws.version(name, { socket: true }), (e) => events.push(e));
      expect(result.result, JSON.stringify(events)).toMatchObject({ ok: true, holdMs: 0 });
      await new Promise((r) => setTimeout(r, 200));
    }
    const report = await finishLoad(load, "socket mode, overlap, 3 deploys");
    // Old and new accept side by side for a moment, and an old server's keep-alive
    // clients go on with it until it closes their connections: answers interleave.
    expect(new Set(report.versions)).toEqual(new Set(["v1", "v2", "v3", "v4"]));
    expect((await get(rx.gate())).body.trim()).toBe("v4"); // a fresh connection: the new servers
  });

  it("a build that fails its health check is rolled back; what it costs is the requests it answered", async () => {
    const { ws, rx } = await start({ health: { path: "/health", timeout: "2s" } });
    const load = await trafficTo(rx.gate(), { rate: RATE, keepAliveShare: 0.5 });
    // Accepts and answers everything, but its health path says 500: the swap rolls back.
    const bad = ws.version("v2", { socket: true, unhealthy: true });
    const result = await deploy(rx, bad);
    const failed = result.result as FailedResult;
    expect(failed).toMatchObject({ ok: false, rolledBack: true });
    await new Promise((r) => setTimeout(r, 300));
    await load.stop();
    const report = loadReport(load.samples);
    const byBad = load.samples.filter((s) => s.version === "v2").length;
    console.log(
      `socket mode, a build failing its health check: ${byBad} of ${report.sent} requests answered by it, ${report.failed} failed`,
    );
    // As documented (README, socket mode): nothing is lost, but the bad build answered
    // what it accepted until it was stopped; proxy mode sends it none (its servers take
    // no request before their health check passes).
    expect(report.failures).toEqual({});
    expect(byBad).toBeGreaterThan(0);
    expect((await (await fetch(`${rx.gate()}/`)).text()).trim()).toBe("v1");
  });

  it("answers 503 with Retry-After at once while no version is deployed, and serves the first deploy", async () => {
    const { ws, rx } = await start({}, null);
    const refused = await get(rx.gate());
    expect(refused.status).toBe(503);
    expect(refused.headers["retry-after"]).toMatch(/^\d+$/);
    expect(refused.headers[REFUSER_HEADER]).toBe("1");
    expect(refused.body).toMatch(/no version deployed yet/);
    const result = await deploy(rx, ws.version("v1", { socket: true }));
    expect(result.result).toMatchObject({ ok: true });
    await waitFor(async () => (await get(rx.gate())).body.trim() === "v1", "v1 serving");
  });

  it("answers what waits 503 with Retry-After past hold.timeout, and stops once the old build is back", async () => {
    // v2 never listens within health.timeout, and v1 takes 1.5 s to come back: the hold
    // (drain, v2's 2 s, v1's 1.5 s) outlasts hold.timeout (3 s) by about half a second.
    // What queued in those 3 s is answered 503 at once then (each waited hold.timeout),
    // and so is what comes until v1 is up.
    const slow = { socket: true, startDelayMs: 1500 };
    const { ws, rx } = await start(
      {
        hold: { timeout: "3s", maxRequests: 1000 },
        drainTimeout: "500ms",
        health: { path: "/health", timeout: "2s" },
      },
      slow,
    );
    const answers: Promise<{ status: number; headers: Record<string, unknown>; body: string }>[] =
      [];
    const sending = setInterval(() => answers.push(get(rx.gate())), 20);
    const result = await deploy(rx, ws.version("v2", { socket: true, startDelayMs: 10_000 }));
    await new Promise((r) => setTimeout(r, 300));
    clearInterval(sending);
    expect(result.result).toMatchObject({ ok: false, rolledBack: true });
    const got = await Promise.all(answers);
    const refused = got.filter((a) => a.status === 503);
    console.log(
      `socket mode, a hold past hold.timeout: ${got.length} requests, ${refused.length} answered 503 by the receiver, the rest by v1`,
    );
    expect(refused.length).toBeGreaterThan(0);
    for (const a of refused) {
      expect(a.headers[REFUSER_HEADER]).toBe("1");
      expect(a.headers["retry-after"]).toBe("3");
      expect(a.body).toMatch(/held for more than 3000 ms/);
    }
    expect(got.filter((a) => a.status !== 503).map((a) => a.body.trim())).toEqual(
      got.filter((a) => a.status !== 503).map(() => "v1"),
    );
    expect(got.at(-1)).toMatchObject({ status: 200, body: "v1\n" });
  });

  it("hands its socket to the new receiver on SIGUSR2: 3 upgrades under load, no request lost, a deploy after", async () => {
    const { ws, rx } = await start();
    const load = await trafficTo(rx.gate(), { rate: RATE, keepAliveShare: 0.5 });
    for (let i = 0; i < 3; i++) {
      const up = await upgrade(rx, ws.data);
      pids.push(up.to);
    }
    const result = await deploy(rx, ws.version("v2", { socket: true }));
    expect(result.result).toMatchObject({ ok: true } satisfies Partial<OkResult>);
    await new Promise((r) => setTimeout(r, 300));
    const report = await finishLoad(load, "socket mode, 3 upgrades and a deploy");
    expect(report.versions).toEqual(["v1", "v2"]);
  });

  it("changes mode only by an upgrade: a SIGHUP says so and keeps the mode; SIGUSR2 to proxy and back loses no request", async () => {
    const { ws, rx } = await start({}, { socket: "either" });
    const load = await trafficTo(rx.gate(), { rate: RATE, keepAliveShare: 0.5 });
    const withMode = (mode: string) =>
      writeFileSync(
        ws.configFile,
        readFileSync(ws.configFile, "utf8").replace(/mode: \w+/, `mode: ${mode}`),
      );
    withMode("proxy");
    expect(await reload(rx)).toMatch(
      /apps\.webdemo\.gate\.mode: socket → proxy applies at an upgrade \(SIGUSR2\) or the next start; kept socket/,
    );
    for (const mode of ["proxy", "socket"]) {
      withMode(mode);
      const up = await upgrade(rx, ws.data);
      pids.push(up.to);
      const line = rx.logs.findLast((l) => /gate listening on/.test(l))!;
      expect(line.includes("(socket mode)"), line).toBe(mode === "socket");
    }
    const report = await finishLoad(load, "socket → proxy → socket by two upgrades");
    expect(report.versions).toEqual(["v1"]);
  });
});

function get(
  url: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    })
      .on("error", reject)
      .end();
  });
}

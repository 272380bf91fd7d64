import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { deploy } from "../helpers/deploy.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { waitFor } from "../helpers/wait-for.js";
import { formatReport, loadReport, openLoad } from "../load/open-load.mjs";
import {
  gateOf,
  pids,
  probe,
  reload,
  reloadWorkspace,
  status,
  type ReloadWorkspace,
} from "./reload-workspace.js";
import { freePort } from "../helpers/ports.js";

// SIGHUP (docs/design.md §7): the receiver re-reads its config and touches only what
// changed, under an open-model load of fresh and keep-alive connections.
const RATE = 200; // requests per second on each gate under load, GET and POST
const MIX = { get: 3, post: 1 };

describe("SIGHUP config reload (real receiver, real servers, real gates)", () => {
  let ws: ReloadWorkspace;
  let rx: ReceiverProcess | undefined;
  afterEach(async () => {
    await rx?.stop();
    rx = undefined;
  });

  it("adds, removes and resizes apps with no failed request on the unchanged and the changed gate", async () => {
    ws = reloadWorkspace(["steady", "grow", "gone", "fresh"]);
    ws.write({ steady: {}, grow: {}, gone: {} });
    rx = await startReceiver(ws.configFile);
    const r = rx;
    const goneGate = gateOf(r, "gone");
    expect(await probe(goneGate)).toBe("gone-v1");
    const steadyPids = await pids(r, "steady");
    const growPids = await pids(r, "grow");
    const loads = ["steady", "grow"].map((app) =>
      openLoad({ url: gateOf(r, app), rate: RATE, mix: MIX, keepAliveShare: 0.5 }),
    );
    let line: string;
    try {
      await waitFor(() => loads.every((l) => l.samples.length > 50), "traffic through both gates");
      ws.write({ steady: {}, grow: { instances: 3 }, fresh: {} });
      line = await reload(r);
      await waitFor(
        () => loads.every((l) => l.samples.length > 2 * RATE),
        "a second of load after",
      );
    } finally {
      await Promise.all(loads.map((l) => l.stop()));
    }
    const [steady, grow] = loads.map((l) => loadReport(l.samples));
    console.log(
      `reload under load:\n${line}\nsteady: ${formatReport(steady!)}\ngrow: ${formatReport(grow!)}`,
    );
    expect(line).toMatch(
      /reload: added fresh, removed gone, restarted grow \(instances 2 → 3\), unchanged steady/,
    );
    expect(steady!.failures, formatReport(steady!)).toEqual({});
    expect(grow!.failures, formatReport(grow!)).toEqual({});
    expect(steady).toMatchObject({ sent: loads[0]!.scheduled, failed: 0 });
    expect(grow).toMatchObject({ sent: loads[1]!.scheduled, failed: 0 });

    // Unchanged: the very same servers. Changed: three new ones.
    expect(await pids(r, "steady")).toEqual(steadyPids);
    const grown = await status(r, "grow");
    expect(grown.body.instances).toHaveLength(3);
    expect(grown.body.instances.every((s) => s.state === "healthy")).toBe(true);
    expect(grown.body.instances.map((s) => s.pid)).not.toContain(growPids[0]);
    // Removed: its gate is closed and the API does not know it.
    expect(await probe(goneGate)).toBe("ECONNREFUSED");
    expect((await status(r, "gone")).status).toBe(404);
    // Added: it serves on its own gate, and takes a deploy.
    expect(await probe(gateOf(r, "fresh"))).toBe("fresh-v1");
    const deployed = await deploy(r, ws.build("fresh", "v2"), undefined, "fresh");
    expect(deployed.result).toMatchObject({ ok: true, version: { version: "testapp fresh-v2" } });
    expect(await probe(gateOf(r, "fresh"))).toBe("fresh-v2");
  }, 120_000);

  it("refuses an invalid config whole and keeps running the previous one; a fixed config then reloads", async () => {
    ws = reloadWorkspace(["steady", "grow"]);
    ws.write({ steady: {}, grow: {} });
    rx = await startReceiver(ws.configFile);
    const before = { steady: await pids(rx, "steady"), grow: await pids(rx, "grow") };
    const gates = { steady: gateOf(rx, "steady"), grow: gateOf(rx, "grow") };

    ws.write({ steady: {}, grow: { instances: 0 }, fresh: {} });
    const refused = await reload(rx);
    expect(refused).toMatch(
      /reload refused: .*hotswap\.yaml:\d+:\d+: apps\.grow\.instances: .*; still running the previous config$/,
    );
    ws.write({ steady: {}, grow: {} }, { data: "./elsewhere" });
    expect(await reload(rx)).toMatch(
      /reload refused: .*data cannot change on reload .*restart the receiver; still running the previous config$/,
    );
    expect(await pids(rx, "steady")).toEqual(before.steady);
    expect(await pids(rx, "grow")).toEqual(before.grow);
    expect((await status(rx, "fresh")).status).toBe(404);
    expect(await probe(gates.steady)).toBe("steady-v1");
    expect(await probe(gates.grow)).toBe("grow-v1");

    ws.write({ steady: {}, grow: { env: { PORT: "{port}", COLOUR: "blue" } } });
    expect(await reload(rx)).toMatch(
      /reload: added none, removed none, restarted grow \(env\), unchanged steady$/,
    );
    expect(await pids(rx, "steady")).toEqual(before.steady);
    expect(await pids(rx, "grow")).not.toEqual(before.grow);
  }, 60_000);

  it("moves a gate whose address changed: the new port serves, the old one is refused", async () => {
    ws = reloadWorkspace(["steady", "moving"]);
    ws.write({ steady: {}, moving: {} });
    rx = await startReceiver(ws.configFile);
    const r = rx;
    const old = gateOf(r, "moving");
    const movingPids = await pids(r, "moving");
    const port = await freePort();
    const load = openLoad({ url: old, rate: RATE, mix: MIX, keepAliveShare: 0.5 });
    let line: string;
    try {
      await waitFor(() => load.samples.length > 50, "traffic through the gate");
      ws.write({ steady: {}, moving: { gate: `127.0.0.1:${port}` } });
      line = await reload(r);
    } finally {
      await load.stop();
    }
    const report = loadReport(load.samples);
    console.log(`gate moved under load (old address only):\n${line}\n${formatReport(report)}`);
    expect(line).toContain(`changed moving (gate 127.0.0.1:0 → 127.0.0.1:${port})`);
    expect(gateOf(r, "moving")).toBe(`http://127.0.0.1:${port}`);
    expect(await probe(`http://127.0.0.1:${port}`)).toBe("moving-v1");
    expect(await probe(old)).toBe("ECONNREFUSED");
    // Only the listener moved: the servers are the same.
    expect(await pids(r, "moving")).toEqual(movingPids);
  }, 60_000);

  it("loses no request through 10 reloads under load, each changing the served app", async () => {
    ws = reloadWorkspace(["steady", "grow"]);
    ws.write({ steady: {}, grow: {} });
    rx = await startReceiver(ws.configFile);
    const r = rx;
    const steadyPids = await pids(r, "steady");
    const loads = ["steady", "grow"].map((app) =>
      openLoad({ url: gateOf(r, app), rate: RATE, mix: MIX, keepAliveShare: 0.5 }),
    );
    const lines: string[] = [];
    try {
      await waitFor(() => loads.every((l) => l.samples.length > 50), "traffic through both gates");
      for (let i = 1; i <= 10; i++) {
        // Odd: 3 instances; even: back to 2 with an env that changes each time.
        ws.write({
          steady: {},
          grow: i % 2 ? { instances: 3 } : { env: { PORT: "{port}", ROUND: String(i) } },
        });
        lines.push(await reload(r));
      }
    } finally {
      await Promise.all(loads.map((l) => l.stop()));
    }
    const [steady, grow] = loads.map((l) => loadReport(l.samples));
    console.log(
      `10 reloads at ${RATE} rps on each of two gates:\n${lines.join("\n")}\nsteady: ${formatReport(steady!)}\ngrow: ${formatReport(grow!)}`,
    );
    expect(lines.every((l) => / restarted grow \(/.test(l))).toBe(true);
    expect(steady!.failures, formatReport(steady!)).toEqual({});
    expect(grow!.failures, formatReport(grow!)).toEqual({});
    expect(await pids(r, "steady")).toEqual(steadyPids);
    expect((await status(r, "grow")).body.instances).toHaveLength(2);
    expect(readFileSync(ws.configFile, "utf8")).toContain("ROUND");
    // The metrics outlive the HTTP app each reload builds, and count its restarts.
    const metrics = await (await fetch(`${r.api}/metrics`)).text();
    expect(metrics).toContain('hotswap_operations_total{app="grow",op="restart",outcome="ok"} 10');
  }, 240_000);
  it("restarts an app with strategy overlap the overlap way: nothing held, no request failed", async () => {
    ws = reloadWorkspace(["lapped"]);
    ws.write({ lapped: { strategy: "overlap" } });
    rx = await startReceiver(ws.configFile);
    const r = rx;
    const before = await pids(r, "lapped");
    const load = openLoad({ url: gateOf(r, "lapped"), rate: RATE, mix: MIX, keepAliveShare: 0.5 });
    let line: string;
    try {
      await waitFor(() => load.samples.length > 50, "traffic through the gate");
      ws.write({ lapped: { strategy: "overlap", instances: 3 } });
      line = await reload(r);
    } finally {
      await load.stop();
    }
    const report = loadReport(load.samples);
    console.log(`overlap reload under load:\n${line}\n${formatReport(report)}`);
    expect(line).toMatch(/restarted lapped \(instances 2 → 3\)/);
    expect(r.logs.some((l) => /\[lapped\] reload: restart \S+ ok \(held 0 ms\)/.test(l))).toBe(
      true,
    );
    expect(report.failures, formatReport(report)).toEqual({});
    const after = await pids(r, "lapped");
    expect(after).toHaveLength(3);
    expect(after.filter((pid) => before.includes(pid))).toEqual([]);
  }, 60_000);

  it("moves the API when listen changes, and runs a HUP that came during a reload once more after it", async () => {
    ws = reloadWorkspace(["steady", "grow"]);
    ws.write({ steady: {}, grow: {} });
    rx = await startReceiver(ws.configFile);
    const oldApi = rx.api;
    const port = await freePort();
    ws.write({ steady: {}, grow: { instances: 3 } }, { listen: `127.0.0.1:${port}` });
    const from = rx.logs.length;
    const summaries = () => rx!.logs.slice(from).filter((l) => /reload: added /.test(l));
    rx.child.kill("SIGHUP");
    await waitFor(() => rx!.logs.slice(from).some((l) => /reload: reading /.test(l)), "the reload");
    rx.child.kill("SIGHUP"); // while the first one restarts grow's servers
    await waitFor(() => summaries().length === 2, "two reloads");
    const [first, second] = summaries();
    expect(first).toMatch(
      /restarted grow \(instances 2 → 3\), unchanged steady, receiver keys listen$/,
    );
    expect(second).toMatch(/restarted none, unchanged steady, grow$/);
    expect(rx.logs.slice(from).filter((l) => /reload: reading /.test(l))).toHaveLength(2);
    const api = `http://127.0.0.1:${port}`;
    expect(rx.logs.some((l) => l.includes(`reload: API on ${api}`))).toBe(true);
    expect(await probe(`${api}/healthz`)).toBe('{"ok":true}');
    expect(await probe(`${oldApi}/healthz`)).toBe("ECONNREFUSED");
    // The API on its new address knows the apps, and a deploy through it works.
    expect((await status({ ...rx, api }, "grow")).body.instances).toHaveLength(3);
    const deployed = await deploy({ ...rx, api }, ws.build("steady", "v2"), undefined, "steady");
    expect(deployed.result).toMatchObject({ ok: true });
  }, 60_000);
  it("lets a running deploy finish first; a deploy that arrives during the reload gets 409", async () => {
    ws = reloadWorkspace(["grow"]);
    ws.write({ grow: {} });
    rx = await startReceiver(ws.configFile);
    const r = rx;
    // v2's servers take 1.5 s to listen: the deploy holds the app's lock that long.
    const running = deploy(r, ws.build("grow", "v2", { startDelayMs: 1500 }), undefined, "grow");
    await waitFor(() => status(r, "grow").then((s) => s.body.busy), "the deploy to take the lock");
    ws.write({ grow: { instances: 3, env: { PORT: "{port}", SLOW: "1" } } });
    const from = r.logs.length;
    r.child.kill("SIGHUP");
    await waitFor(() => r.logs.slice(from).some((l) => /reload: reading /.test(l)), "the reload");
    const first = await running;
    expect(first.result).toMatchObject({ ok: true, version: { version: "testapp grow-v2" } });
    // The reload now restarts v2's servers (1.5 s each): a deploy meanwhile is refused.
    await waitFor(() => status(r, "grow").then((s) => s.body.busy), "the reload to take the lock");
    const refused = await deploy(r, ws.build("grow", "v3"), undefined, "grow");
    expect(refused.status).toBe(409);
    const line = await waitFor(
      () => r.logs.slice(from).find((l) => /reload: added /.test(l)),
      "the reload's summary",
    );
    expect(line).toMatch(/restarted grow \(env, instances 2 → 3\)/);
    const after = await status(r, "grow");
    expect(after.body.instances).toHaveLength(3);
    expect(after.body.current?.version).toBe("testapp grow-v2");
    expect((await deploy(r, ws.build("grow", "v3"), undefined, "grow")).result).toMatchObject({
      ok: true,
    });
  }, 60_000);
});

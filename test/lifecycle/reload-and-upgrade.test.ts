import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AppStatus } from "../../receiver/protocol.js";
import { call } from "../helpers/api-client.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { mint } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import { formatReport, loadReport, openLoad } from "../load/open-load.mjs";
import { gateOf, probe, reloadWorkspace, type ReloadWorkspace } from "./reload-workspace.js";
import { freePort } from "../helpers/ports.js";
import { receiverPid, stopAll, upgrade } from "./upgrade-helpers.js";

// SIGHUP and SIGUSR2 together (docs/design.md §7): an upgrade hands on the listeners a
// reload moved (the gate's and the API's new sockets, not the ones it started with);
// a SIGHUP while the upgrade runs is refused with a line saying so; the new receiver
// reloads in its turn.
const RATE = 200;
const MIX = { get: 3, post: 1 };

describe("a reload, then an upgrade, then a reload", () => {
  let ws: ReloadWorkspace | undefined;
  let rx: ReceiverProcess | undefined;
  const pids: number[] = [];
  afterEach(async () => {
    if (ws) await stopAll(join(ws.dir, ".hotswap"), pids);
    await rx?.kill();
    ws = rx = undefined;
    pids.length = 0;
  });

  // SIGHUP to whichever receiver `pid` is; resolves with its summary line.
  const hup = (r: ReceiverProcess, pid: number) => {
    const from = r.logs.length;
    process.kill(pid, "SIGHUP");
    return waitFor(
      () => r.logs.slice(from).find((l) => /reload: added |reload refused: /.test(l)),
      "the reload's summary line",
      30_000,
    );
  };
  const instances = async (api: string) => {
    const res = await call(api, "/v1/apps/moving", {
      token: await mint({ app: "moving", op: "status" }),
    });
    expect(res.status).toBe(200);
    return (res.json as AppStatus).instances;
  };

  it("hands on the moved gate and API, refuses a SIGHUP meanwhile, and the new receiver reloads", async () => {
    ws = reloadWorkspace(["moving"]);
    const data = join(ws.dir, ".hotswap");
    ws.write({ moving: {} });
    rx = await startReceiver(ws.configFile);
    const r = rx;
    pids.push(r.child.pid!);
    const [gatePort, apiPort] = [await freePort(), await freePort()];
    const api = `http://127.0.0.1:${apiPort}`;
    ws.write({ moving: { gate: `127.0.0.1:${gatePort}` } }, { listen: `127.0.0.1:${apiPort}` });
    expect(await hup(r, r.child.pid!)).toMatch(/reload: .*changed moving \(gate /);
    const gate = gateOf(r, "moving");
    expect(gate).toBe(`http://127.0.0.1:${gatePort}`);
    expect(await instances(api)).toHaveLength(2);

    const load = openLoad({ url: gate, rate: RATE, mix: MIX, keepAliveShare: 0.5 });
    let refused: string;
    let to: number;
    try {
      await waitFor(() => load.samples.some((s) => s.version === "moving-v1"), "traffic");
      const from = receiverPid(data)!;
      const upgrading = upgrade(r, data);
      await waitFor(() => r.logs.some((l) => l.includes("SIGUSR2: upgrading")), "the upgrade");
      refused = await hup(r, from);
      ({ to } = await upgrading);
      pids.push(to);
      await waitFor(() => load.samples.length > RATE * 2, "traffic on the new receiver");
    } finally {
      await load.stop();
    }
    const report = loadReport(load.samples);
    console.log(`upgrade after a reload moved the gate:\n${formatReport(report)}`);
    expect(refused).toContain("reload refused: an upgrade of the receiver is running");
    expect(report.failures, formatReport(report)).toEqual({});
    expect(report).toMatchObject({ sent: load.scheduled, failed: 0 });
    // The new receiver listens where the reload moved things, on the sockets handed on.
    expect(await probe(gate)).toBe("moving-v1");
    expect(await instances(api)).toHaveLength(2);

    // And it reloads: 2 → 3 instances.
    ws.write(
      { moving: { gate: `127.0.0.1:${gatePort}`, instances: 3 } },
      { listen: `127.0.0.1:${apiPort}` },
    );
    expect(await hup(r, to)).toMatch(/restarted moving \(instances 2 → 3\)/);
    expect(await instances(api)).toHaveLength(3);
  }, 120_000);
});

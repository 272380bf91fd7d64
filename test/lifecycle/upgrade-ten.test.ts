import { afterEach, describe, expect, it } from "vitest";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";
import { formatReport, loadReport, openLoad } from "../load/open-load.mjs";
import { stopAll, upgrade } from "./upgrade-helpers.js";

// The figures of issue 13: requests sent and failed through the gate during 10 upgrades
// in a row under an open-model load of 200 req/s (fresh and keep-alive connections, GET
// and POST), and the time from each SIGUSR2 to the new pid serving (its servers up and
// its holds released: it says "ready").
const RATE = 200;

describe("10 upgrades in a row under load", () => {
  let ws: Workspace | undefined;
  let rx: ReceiverProcess | undefined;
  const pids: number[] = [];
  afterEach(async () => {
    if (ws) await stopAll(ws.data, pids);
    await rx?.kill();
  });

  it("loses no request", async () => {
    ws = createWorkspace();
    // UPGRADE_SOCKETS=channel runs the hand-over Windows needs (over the IPC channel).
    const via = process.env.UPGRADE_SOCKETS;
    rx = await startReceiver(ws.configFile, via ? { HOTSWAP_UPGRADE_SOCKETS: via } : {});
    pids.push(rx.child.pid!);
    const load = openLoad({
      url: rx.gate(),
      rate: RATE,
      mix: { get: 3, post: 1 },
      keepAliveShare: 0.5,
    });
    const ms: number[] = [];
    try {
      await waitFor(() => load.samples.some((s) => s.version === "v1"), "traffic through the gate");
      for (let i = 0; i < 10; i++) {
        const up = await upgrade(rx, ws.data);
        pids.push(up.to);
        ms.push(up.ms);
      }
    } finally {
      await load.stop();
    }
    const report = loadReport(load.samples);
    const sorted = [...ms].sort((a, b) => a - b);
    console.log(
      `10 upgrades at ${RATE} rps: signal → new pid serving ${ms.map((x) => x.toFixed(0)).join(", ")} ms ` +
        `(median ${sorted[5]!.toFixed(0)}, max ${sorted[9]!.toFixed(0)})\n${formatReport(report)}`,
    );
    expect(report.failures, formatReport(report)).toEqual({});
    expect(report).toMatchObject({ sent: load.scheduled, failed: 0 });
  }, 300_000);
});

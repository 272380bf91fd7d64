import { afterEach, describe, expect, it } from "vitest";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { createWorkspace } from "../helpers/workspace.js";
import type { OpenLoad } from "../load/open-load.mjs";
import { stepsDone } from "../overlap/overlap-fixtures.js";
import {
  bytes,
  deployTimed,
  from,
  judged,
  loadOn,
  onlyBadFailed,
  stopLoad,
  watchEvents,
} from "./watch-kit.js";

const RATE = 100; // requests per second through the gate
const WINDOW_MS = 20_000; // the watch's `for`

describe("watch: a build that passes its health check but fails real traffic is rolled back", () => {
  let rx: ReceiverProcess | undefined;
  let load: OpenLoad | undefined;
  afterEach(async () => {
    await load?.stop();
    await rx?.stop();
  });

  it.each([
    {
      strategy: "hold",
      how: "under a second hold, to the kept release",
      steps: [
        "upload",
        "hold",
        "unload",
        "swap",
        "reload",
        "release",
        "hold",
        "rollback",
        "release",
      ],
      released: "release", // the step after which v2 took requests
    },
    {
      strategy: "overlap",
      how: "by switching back to the old servers, kept running",
      steps: ["upload", "swap", "start", "switch", "switch", "drain", "unload", "rollback"],
      released: "switch",
    },
  ])("strategy $strategy: $how", async ({ strategy, steps, released }) => {
    const ws = createWorkspace({
      app: {
        strategy,
        instances: 2,
        watch: { for: `${WINDOW_MS}ms`, maxErrorRate: "2%", minRequests: 20 },
        health: { path: "/health", timeout: "5s" },
      },
    });
    rx = await startReceiver(ws.configFile);
    const v1 = bytes(ws.exeFile);
    load = await loadOn(rx, RATE);
    const d = await deployTimed(rx, ws.version("v2", { failing: true }));
    const samples = await stopLoad(load, `bad build, strategy ${strategy}`);

    expect(d.result).toMatchObject({
      ok: false,
      rolledBack: true,
      error: { code: "ERR_ERROR_RATE" },
    });
    const [watch] = judged(d.result);
    expect(watch).toMatchObject({ step: "watch", verdict: "failed", build: "testapp v2" });
    expect(watch!.counts.requests).toBeGreaterThanOrEqual(20);
    expect(watch!.counts.errors).toBe(watch!.counts.requests);
    expect(stepsDone(d.events)).toEqual(steps);
    expect(watchEvents(d.events, "watch").length).toBeGreaterThanOrEqual(1);
    // exeFile is the old file again, byte for byte, and the old version serves.
    expect(bytes(ws.exeFile)).toEqual(v1);
    expect(await (await fetch(`${rx.gate()}/`)).text()).toBe("v1\n");

    const bad = from(samples, "v2");
    const releasedAt = d.steps.get(released)!.endAt!;
    const backAt = d.steps.get("watch")!.endAt!;
    console.log(
      `strategy ${strategy}: rolled back ${Math.round(backAt - releasedAt)} ms after the release; ${bad.length} request(s) saw v2 (the watch counted ${watch!.counts.requests})`,
    );
    // Decided at the first answers past minRequests: far fewer than the window's worth.
    expect(bad.length).toBeGreaterThanOrEqual(20);
    expect(bad.length).toBeLessThan((RATE * WINDOW_MS) / 1000 / 10);
    expect(watch!.ms).toBeLessThan(WINDOW_MS);
    onlyBadFailed(samples, "v2");
    const metrics = await (await fetch(`${rx.api}/metrics`)).text();
    expect(metrics).toContain('hotswap_rollbacks_total{app="webdemo",reason="error-rate"} 1');
    expect(metrics).toContain(
      `hotswap_watch_requests_total{app="webdemo",version="testapp v2",outcome="error"} ${watch!.counts.errors}`,
    );
    // Once the rollback was over, no request got v2.
    expect(samples.filter((s) => s.sentAt > d.resultAt && from([s], "v2").length > 0)).toEqual([]);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { createWorkspace } from "../helpers/workspace.js";
import type { OpenLoad } from "../load/open-load.mjs";
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

describe("watch, strategy hold: a build that passes its health check but fails real traffic", () => {
  let rx: ReceiverProcess | undefined;
  let load: OpenLoad | undefined;
  afterEach(async () => {
    await load?.stop();
    await rx?.stop();
  });

  it("is rolled back under a second hold once its 5xx share passes maxErrorRate", async () => {
    const ws = createWorkspace({
      app: {
        watch: { for: "20s", maxErrorRate: "2%", minRequests: 20 },
        health: { path: "/health", timeout: "5s" },
      },
    });
    rx = await startReceiver(ws.configFile);
    const v1 = bytes(ws.exeFile);
    load = await loadOn(rx, RATE);
    const d = await deployTimed(rx, ws.version("v2", { failing: true }));
    const samples = await stopLoad(load, "bad build, strategy hold");

    expect(d.result).toMatchObject({
      ok: false,
      rolledBack: true,
      error: { code: "ERR_ERROR_RATE" },
    });
    const [watch] = judged(d.result);
    expect(watch).toMatchObject({
      step: "watch",
      verdict: "failed",
      maxErrorRate: 0.02,
      minRequests: 20,
    });
    expect(watch!.counts.requests).toBeGreaterThanOrEqual(20);
    expect(watch!.counts.errors).toBe(watch!.counts.requests);
    expect(bytes(ws.exeFile)).toEqual(v1);
    expect(await (await fetch(`${rx.gate()}/`)).text()).toBe("v1\n");

    const bad = from(samples, "v2");
    const released = d.steps.get("release")!.endAt!;
    const rolledBackAt = d.steps.get("rollback")!.endAt!;
    console.log(
      `rolled back ${Math.round(rolledBackAt - released)} ms after the release; ${bad.length} request(s) saw v2 (watch counted ${watch!.counts.requests})`,
    );
    // Decided at the first answers past minRequests, far inside the 20 s window.
    expect(bad.length).toBeGreaterThanOrEqual(20);
    expect(bad.length).toBeLessThan(RATE * 2);
    expect(watch!.ms).toBeLessThan(20_000);
    onlyBadFailed(samples, "v2");
    // After the rollback's hold ended, every request got v1.
    expect(samples.filter((s) => s.sentAt > d.resultAt && from([s], "v2").length > 0)).toEqual([]);
    expect(
      d.events
        .filter((e) => e.type === "step" && e.step === "rollback")
        .map((e) => e.type === "step" && e.state),
    ).toEqual(["start", "done"]);
    expect(watchEvents(d.events, "watch").length).toBeGreaterThanOrEqual(1);
  });
});

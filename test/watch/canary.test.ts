import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace } from "../helpers/workspace.js";
import type { OpenLoad } from "../load/open-load.mjs";
import { stepsDone } from "../overlap/overlap-fixtures.js";
import {
  bytes,
  deployTimed,
  errorsOf,
  from,
  judged,
  loadOn,
  onlyBadFailed,
  stopLoad,
  watchEvents,
} from "./watch-kit.js";

const RATE = 100; // requests per second through the gate
const HEALTH = { path: "/health", timeout: "5s" };

describe("canary: a share of clients first, judged against the old servers", () => {
  let rx: ReceiverProcess | undefined;
  let load: OpenLoad | undefined;
  afterEach(async () => {
    await load?.stop();
    await rx?.stop();
  });

  it("canary: 10% of clients see the bad build, judged against the old servers, and none after it is dropped", async () => {
    const ws = createWorkspace({
      app: {
        strategy: "overlap",
        instances: 2,
        canary: { share: "10%", for: "30s" },
        watch: { for: "2s", maxErrorRate: "2%", minRequests: 20 },
        health: HEALTH,
      },
    });
    rx = await startReceiver(ws.configFile);
    const v1 = bytes(ws.exeFile);
    load = await loadOn(rx, RATE, { clients: 500 });
    const d = await deployTimed(rx, ws.version("v2", { failing: true }));
    const samples = await stopLoad(load, "bad build, canary 10%");

    expect(d.result).toMatchObject({
      ok: false,
      rolledBack: true,
      error: { code: "ERR_ERROR_RATE" },
    });
    const [canary] = judged(d.result);
    expect(canary).toMatchObject({ step: "canary", verdict: "failed", share: 0.1 });
    // Dropped before any switch: the old servers served the other 90% throughout.
    expect(stepsDone(d.events)).toEqual(["upload", "swap", "start", "drain", "unload", "rollback"]);
    expect(bytes(ws.exeFile)).toEqual(v1);
    const started = d.steps.get("canary")!.startAt!;
    const ended = d.steps.get("canary")!.endAt!;
    const during = samples.filter((s) => s.sentAt >= started && s.doneAt <= ended);
    const share = from(during, "v2").length / during.length;
    console.log(
      `canary: dropped ${Math.round(ended - started)} ms after it began; ${from(samples, "v2").length} request(s) saw v2, ${(share * 100).toFixed(1)}% of ${during.length} during the canary; old servers ${canary!.baseline.requests} answers, ${canary!.baseline.errors} errors`,
    );
    expect(share).toBeGreaterThan(0.04);
    expect(share).toBeLessThan(0.2);
    // Sticky: a client on the new build got nothing from the old one meanwhile.
    const onNew = new Set(from(during, "v2").map((s) => s.client));
    expect(during.filter((s) => onNew.has(s.client) && s.version === "v1")).toEqual([]);
    expect(canary!.baseline).toMatchObject({ errors: 0 });
    expect(canary!.baseline.requests).toBeGreaterThan(canary!.counts.requests);
    onlyBadFailed(samples, "v2");
    expect(samples.filter((s) => s.sentAt > ended && from([s], "v2").length > 0)).toEqual([]);
  });

  it("canary then watch: a good build is promoted with no request failed", async () => {
    const ws = createWorkspace({
      app: {
        strategy: "overlap",
        instances: 2,
        canary: { share: "20%", for: "3s" },
        watch: { for: "3s", maxErrorRate: "2%", minRequests: 20 },
        health: HEALTH,
      },
    });
    rx = await startReceiver(ws.configFile);
    load = await loadOn(rx, RATE, { clients: 500 });
    const d = await deployTimed(rx, ws.version("v2"));
    const samples = await stopLoad(load, "good build, canary then watch");
    expect(d.result).toMatchObject({ ok: true, version: { version: "testapp v2" } });
    expect(judged(d.result)).toMatchObject([
      { step: "canary", verdict: "passed", counts: { errors: 0 } },
      { step: "watch", verdict: "passed", counts: { errors: 0 } },
    ]);
    expect(stepsDone(d.events)).toEqual([
      "upload",
      "swap",
      "start",
      "canary",
      "switch",
      "watch",
      "drain",
      "unload",
    ]);
    expect(watchEvents(d.events, "canary").length).toBeGreaterThanOrEqual(2);
    expect(watchEvents(d.events, "watch").at(-1)!.counts.requests).toBeGreaterThanOrEqual(20);
    expect(samples.filter((s) => s.error !== undefined || s.status !== 200)).toEqual([]);
    expect(samples.length).toBe(load.scheduled);
    console.log(`good build: ${samples.length} sent, 0 failed`);
  });

  it("canary: a build bad only on some paths is judged by its share of errors", async () => {
    const ws = createWorkspace({
      app: {
        strategy: "overlap",
        instances: 2,
        canary: { share: "50%", for: "20s" },
        watch: { for: "1s", maxErrorRate: "10%", minRequests: 20 },
        health: HEALTH,
      },
    });
    rx = await startReceiver(ws.configFile);
    // v2 fails GET /slow only: a fifth of the requests, more than 10%.
    load = await loadOn(rx, RATE, { clients: 200, mix: { get: 4, slow: 1 } });
    const d = await deployTimed(rx, ws.version("v2", { failing: { paths: ["/slow"] } }));
    const samples = await stopLoad(load, "bad only on /slow");
    expect(d.result).toMatchObject({
      ok: false,
      rolledBack: true,
      error: { code: "ERR_ERROR_RATE" },
    });
    const [canary] = judged(d.result);
    expect(canary).toMatchObject({ step: "canary", verdict: "failed" });
    const share = canary!.counts.errors / canary!.counts.requests;
    console.log(
      `bad on /slow: the canary saw ${canary!.counts.errors} errors in ${canary!.counts.requests} answers (${(share * 100).toFixed(1)}%)`,
    );
    expect(share).toBeGreaterThan(0.1);
    expect(share).toBeLessThan(0.6); // its GET / answers were good and counted
    expect(from(samples, "v2").some((s) => s.version === "v2")).toBe(true);
    expect(errorsOf(samples, "v2").every((s) => s.kind === "slow")).toBe(true);
  });

  it("an outage both versions share is not blamed on the new build", async () => {
    const ws0 = createWorkspace();
    const down = join(ws0.dir, "dependency-down");
    const ws = createWorkspace({
      v1: { dependency: down },
      app: {
        strategy: "overlap",
        canary: { share: "30%", for: "3s" },
        watch: { for: "1s", maxErrorRate: "2%", minRequests: 20 },
        health: HEALTH,
      },
    });
    rx = await startReceiver(ws.configFile);
    load = await loadOn(rx, RATE, { clients: 300 });
    writeFileSync(down, ""); // the dependency goes down: v1 answers 500 from now on
    await waitFor(() => load!.samples.some((s) => s.text === "v1 dependency down\n"), "v1 down");
    const d = await deployTimed(rx, ws.version("v2", { dependency: down }));
    await stopLoad(load, "both versions down");
    expect(d.result).toMatchObject({ ok: true, version: { version: "testapp v2" } });
    const [canary, watch] = judged(d.result);
    expect(canary).toMatchObject({ step: "canary", verdict: "passed" });
    expect(canary!.counts.errors).toBe(canary!.counts.requests);
    expect(canary!.baseline.errors).toBe(canary!.baseline.requests);
    // The watch after it is judged against the old servers during the canary.
    expect(watch).toMatchObject({ step: "watch", verdict: "passed", baseline: canary!.baseline });
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { StreamEvent } from "../../receiver/protocol.js";
import { call } from "../helpers/api-client.js";
import { deploy } from "../helpers/deploy.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { mint } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace } from "../helpers/workspace.js";
import type { OpenLoad } from "../load/open-load.mjs";
import { appStatus } from "../overlap/overlap-fixtures.js";
import { bytes, judged, loadOn, stopLoad } from "./watch-kit.js";

const HEALTH = { path: "/health", timeout: "5s" };
const WATCHED = {
  strategy: "overlap",
  instances: 2,
  watch: { for: "60s", maxErrorRate: "2%", minRequests: 10 },
  health: HEALTH,
};

/** The old pool's servers as its pid file lists them. */
function servers(data: string): { pid: number; exe: string; instance: number }[] {
  try {
    return JSON.parse(readFileSync(join(data, "apps", "webdemo", "servers.json"), "utf8")) as {
      pid: number;
      exe: string;
      instance: number;
    }[];
  } catch {
    return [];
  }
}

/** POST /v1/apps/webdemo/{op} with a token for that op. */
async function end(rx: ReceiverProcess, op: "promote" | "abort") {
  return call(rx.api, `/v1/apps/webdemo/${op}`, { token: await mint({ op }), method: "POST" });
}

/** Starts a deploy and answers once its watch has counted some answers. */
async function deployWatched(rx: ReceiverProcess, file: string) {
  const events: StreamEvent[] = [];
  const done = deploy(rx, file, (e) => events.push(e));
  // Its own watch: until this deploy's stream has a watch event, the status may still
  // show the watch this deploy is ending (a loaded machine sees that window).
  await waitFor(() => events.some((e) => e.type === "watch"), "the deploy's watch begun");
  await waitFor(
    async () => ((await appStatus(rx)).watch?.counts.requests ?? 0) >= 10,
    "the watch counting answers",
  );
  return { done, events };
}

describe("ending a watch: promote, abort, a new deploy, a rollback", () => {
  let rx: ReceiverProcess | undefined;
  let load: OpenLoad | undefined;
  afterEach(async () => {
    await load?.stop();
    await rx?.stop();
  });

  it("promote keeps the build and retires the old servers; abort hands back to them", async () => {
    const ws = createWorkspace({ app: WATCHED });
    rx = await startReceiver(ws.configFile);
    const v1 = bytes(ws.exeFile);
    expect(await end(rx, "promote")).toMatchObject({
      status: 404,
      json: { error: { code: "ERR_NO_WATCH" } },
    });
    load = await loadOn(rx, 50);

    const v2 = await deployWatched(rx, ws.version("v2"));
    const status = await appStatus(rx);
    expect(status.watch).toMatchObject({ step: "watch", forMs: 60_000, maxErrorRate: 0.02 });
    const promoted = await end(rx, "promote");
    expect(promoted.status).toBe(200);
    // Streamed: the watched deploy's last steps, then its result.
    expect(promoted.events.some((e) => e.type === "step" && e.step === "unload")).toBe(true);
    expect(promoted.result).toMatchObject({ ok: true, version: { version: "testapp v2" } });
    const r2 = (await v2.done).result!;
    expect(r2).toMatchObject({ ok: true });
    expect(judged(r2)).toMatchObject([{ verdict: "promoted", by: "key ci", build: "testapp v2" }]);
    expect(promoted.result!.deployId).toBe(r2.deployId);
    expect((await appStatus(rx)).watch).toBeUndefined();

    const v3 = await deployWatched(rx, ws.version("v3"));
    const aborted = await end(rx, "abort");
    expect(aborted.result).toMatchObject({
      ok: false,
      rolledBack: true,
      error: { code: "ERR_ABORTED" },
    });
    expect(judged((await v3.done).result!)).toMatchObject([{ verdict: "aborted", by: "key ci" }]);
    expect(await (await fetch(`${rx.gate()}/`)).text()).toBe("v2\n");
    expect(bytes(ws.exeFile)).not.toEqual(v1);
    await stopLoad(load, "promote and abort");
    const failed = load.samples.filter((s) => s.error !== undefined || s.status !== 200);
    expect(failed).toEqual([]);

    // The journal says who ended each, with the counts.
    const recent = (await appStatus(rx)).recent.filter((e) => e.outcome !== "started");
    expect(recent.slice(0, 2)).toMatchObject([
      { op: "deploy", outcome: "rolled-back", judged: [{ verdict: "aborted" }] },
      { op: "deploy", outcome: "ok", judged: [{ verdict: "promoted" }] },
    ]);
    const metrics = await (await fetch(`${rx.api}/metrics`)).text();
    expect(metrics).toMatch(
      /hotswap_watch_requests_total\{app="webdemo",version="testapp v2",outcome="ok"\} [1-9]/,
    );
  });

  it("a new deploy during a watch promotes the watched build; a rollback aborts it", async () => {
    const ws = createWorkspace({ app: WATCHED });
    rx = await startReceiver(ws.configFile);
    load = await loadOn(rx, 50);
    const v2 = await deployWatched(rx, ws.version("v2"));
    const v3 = await deployWatched(rx, ws.version("v3"));
    const r2 = (await v2.done).result!;
    expect(judged(r2)).toMatchObject([{ verdict: "promoted" }]);
    expect(judged(r2)[0]!.by).toMatch(/^deploy /);

    const rolled = await call(rx.api, "/v1/apps/webdemo/rollback", {
      token: await mint({ op: "rollback" }),
      method: "POST",
    });
    // The abort was the rollback: v2 serves again, not v1.
    expect(rolled.result).toMatchObject({ ok: true, unchanged: true });
    const r3 = (await v3.done).result!;
    expect(r3).toMatchObject({ ok: false, rolledBack: true, error: { code: "ERR_ABORTED" } });
    expect(await (await fetch(`${rx.gate()}/`)).text()).toBe("v2\n");
    await stopLoad(load, "deploy and rollback during watches");
    expect(load.samples.filter((s) => s.error !== undefined || s.status !== 200)).toEqual([]);
  });

  it("once judging is over, abort is refused and a rollback waits its turn: nothing was aborted", async () => {
    // afterRelease sleeps: the deploy is still running after its watch has passed.
    const ws = createWorkspace({
      app: {
        ...WATCHED,
        watch: { for: "1s", maxErrorRate: "2%", minRequests: 1000 },
        hooks: { afterRelease: [["sleep", "3"]] },
      },
    });
    rx = await startReceiver(ws.configFile);
    const events: StreamEvent[] = [];
    const deploying = deploy(rx, ws.version("v2"), (e) => events.push(e));
    await waitFor(
      () => events.some((e) => e.type === "step" && e.step === "afterRelease"),
      "afterRelease",
    );
    // Judging is over: nothing is being judged any more, so there is nothing to abort.
    const aborted = await end(rx, "abort");
    expect(aborted).toMatchObject({ status: 404, json: { error: { code: "ERR_NO_WATCH" } } });
    const rolled = await call(rx.api, "/v1/apps/webdemo/rollback", {
      token: await mint({ op: "rollback" }),
      method: "POST",
    });
    expect(rolled.status).toBe(409); // busy, as during any deploy: the action retries
    expect((await deploying).result).toMatchObject({ ok: true, judged: [{ verdict: "unjudged" }] });
    expect(await (await fetch(`${rx.gate()}/`)).text()).toBe("v2\n");
  });

  it("an old server that crashes during the watch restarts on its own build, not on exeFile's new one", async () => {
    const ws = createWorkspace({ app: WATCHED });
    rx = await startReceiver(ws.configFile);
    const v1 = bytes(ws.exeFile);
    load = await loadOn(rx, 50);
    const oldServers = servers(ws.data);
    const v2 = await deployWatched(rx, ws.version("v2"));
    process.kill(oldServers[0]!.pid, "SIGKILL");
    // keepAlive restarts it after a second, from the kept copy of v1.
    await waitFor(
      () => servers(ws.data).some((s) => s.instance === 0 && s.pid !== oldServers[0]!.pid),
      "the old server restarted",
    );
    const restarted = servers(ws.data).find((s) => s.instance === 0)!;
    expect(restarted.exe).not.toBe(ws.exeFile);
    expect(bytes(restarted.exe)).toEqual(v1);
    expect((await end(rx, "abort")).result).toMatchObject({ rolledBack: true });
    expect((await v2.done).result).toMatchObject({ error: { code: "ERR_ABORTED" } });
    const answers = await Promise.all(
      Array.from({ length: 20 }, async () => (await fetch(`${rx!.gate()}/`)).text()),
    );
    expect(new Set(answers)).toEqual(new Set(["v1\n"]));
    await stopLoad(load, "an old server killed during the watch");
  });

  it("too little traffic to judge is reported as unjudged, not as a pass", async () => {
    const ws = createWorkspace({
      app: { watch: { for: "1s", maxErrorRate: "2%", minRequests: 1000 }, health: HEALTH },
    });
    rx = await startReceiver(ws.configFile);
    load = await loadOn(rx, 20);
    const r = await deploy(rx, ws.version("v2"));
    await stopLoad(load, "light traffic");
    expect(r.result).toMatchObject({ ok: true });
    const [watch] = judged(r.result!);
    expect(watch).toMatchObject({ step: "watch", verdict: "unjudged", minRequests: 1000 });
    expect(watch!.counts.requests).toBeGreaterThan(0);
    expect(watch!.counts.requests).toBeLessThan(1000);
    const warned = r.events.filter((e) => e.type === "log" && e.level === "warn");
    expect(warned.map((e) => e.type === "log" && e.message).join("\n")).toMatch(
      /too little traffic to judge/,
    );
  });
});

describe("a receiver killed during a watch", () => {
  let rx: ReceiverProcess | undefined;
  afterEach(async () => {
    await rx?.stop();
  });

  it("comes back with the new build live, unjudged, and the journal says the watch was cut short", async () => {
    const ws = createWorkspace({ app: WATCHED });
    rx = await startReceiver(ws.configFile);
    const load = await loadOn(rx, 50);
    const v2 = ws.version("v2");
    void deploy(rx, v2).catch(() => {}); // its answer is cut by the kill
    await waitFor(async () => (await appStatus(rx!)).watch !== undefined, "the watch");
    await load.stop();
    await rx.kill();
    rx = await startReceiver(ws.configFile);
    expect(await (await fetch(`${rx.gate()}/`)).text()).toBe("v2\n");
    expect(bytes(ws.exeFile)).toEqual(bytes(v2));
    const status = await appStatus(rx);
    expect(status.watch).toBeUndefined();
    expect(status.instances).toHaveLength(2); // only the new build's servers: the old ones were reaped
    const recovered = status.recent.find((e) => e.op === "recover");
    expect(recovered?.message).toMatch(
      /stopped during "watch" of deploy .*; exeFile is the new file/,
    );
  });
});

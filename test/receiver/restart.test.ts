// A restart from the admin page is the hold sequence without the swap: it holds,
// unloads (draining, then cutting what is still open at drainTimeout), reloads and
// releases, with the same swap record, fault points and journal lines as a swap.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { reapStale } from "../../receiver/pool/reap.js";
import type { AppStatus, JournalEntry, StreamEvent } from "../../receiver/protocol.js";
import { adminWorkspace, journal, signIn, type AdminSession } from "../admin/admin-http.js";
import { call, sha256 } from "../helpers/api-client.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { mint } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import type { Workspace } from "../helpers/workspace.js";

const SLOW = { timeout: 90_000 };

async function appStatus(rx: ReceiverProcess): Promise<AppStatus> {
  const r = await call(rx.api, "/v1/apps/webdemo", { token: await mint({ op: "status" }) });
  return r.json as AppStatus;
}

/** The events a deploy id's log holds so far (data/logs/<id>.ndjson). */
function logged(ws: Workspace, deployId: string): StreamEvent[] {
  const file = join(ws.data, "logs", `${deployId}.ndjson`);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as StreamEvent);
}

const trail = (events: StreamEvent[]) =>
  events.flatMap((e) => (e.type === "step" ? [`${e.step}:${e.state}`] : []));

const entriesOf = (ws: Workspace, deployId: string): JournalEntry[] =>
  journal(ws).filter((e) => e.deployId === deployId);

describe("a restart from the admin page", SLOW, () => {
  let ws: Workspace | undefined;
  let rx: ReceiverProcess | undefined;
  let again: ReceiverProcess | undefined;
  afterEach(async () => {
    await again?.stop();
    await rx?.kill().catch(() => undefined);
    if (ws) {
      for (const file of ["servers.json", "servers-next.json"])
        await reapStale(join(ws.data, "apps", "webdemo", file));
      rmSync(ws.dir, { recursive: true, force: true });
    }
    ws = rx = again = undefined;
  }, SLOW.timeout);

  const post = (r: ReceiverProcess, admin: AdminSession, path: string) =>
    fetch(r.api + path, {
      method: "POST",
      headers: { cookie: admin.cookie, "x-csrf-token": admin.csrf, accept: "application/json" },
    });

  async function restart(r: ReceiverProcess, admin: AdminSession): Promise<string> {
    const res = await post(r, admin, "/admin/apps/webdemo/restart");
    expect(res.status).toBe(202);
    return ((await res.json()) as { deployId: string }).deployId;
  }

  const ended = (w: Workspace, deployId: string) =>
    waitFor(
      () => logged(w, deployId).some((e) => e.type === "result"),
      "the restart's result",
    ).then(() => logged(w, deployId));

  it("holds, unloads, reloads and releases: new servers on the same exeFile, every request answered, journaled like a swap", async () => {
    const w = (ws = adminWorkspace());
    const first = (rx = await startReceiver(w.configFile));
    const admin = await signIn(first.api);
    const before = (await appStatus(first)).instances.map((s) => s.pid);

    const deployId = await restart(first, admin);
    const during = Array.from({ length: 5 }, () =>
      fetch(`${first.gate()}/`).then(async (r) => `${r.status} ${(await r.text()).trim()}`),
    );
    const events = await ended(w, deployId);
    expect(trail(events)).toEqual(
      ["hold", "unload", "reload", "release"].flatMap((s) => [`${s}:start`, `${s}:done`]),
    );
    const result = events.find((e) => e.type === "result");
    expect(result).toMatchObject({ ok: true, op: "restart", version: { version: "testapp v1" } });
    expect(await Promise.all(during)).toEqual(Array(5).fill("200 v1"));

    const status = await appStatus(first);
    const after = status.instances.map((s) => s.pid);
    expect(after.filter((pid) => before.includes(pid))).toEqual([]);
    expect(status.instances.map((s) => s.state)).toEqual(["healthy", "healthy"]);
    expect(entriesOf(w, deployId).map((e) => [e.op, e.outcome])).toEqual([
      ["restart", "started"],
      ["restart", "ok"],
    ]);
    expect(existsSync(join(w.data, "apps", "webdemo", "swap.json"))).toBe(false);
  });

  it("cuts an answer still open at drainTimeout, and the log says so", async () => {
    const w = (ws = adminWorkspace({ app: { drainTimeout: "500ms" } }));
    const first = (rx = await startReceiver(w.configFile));
    const admin = await signIn(first.api);
    const slow = fetch(`${first.gate()}/slow?ms=20000`).then(
      async (r) => `${r.status}`,
      () => "cut",
    );
    await waitFor(async () => (await appStatus(first)).hold.inflight === 1, "the slow request");

    const events = await ended(w, await restart(first, admin));
    const warning = events.find(
      (e) =>
        e.type === "log" &&
        e.level === "warn" &&
        /after drainTimeout \(500 ms\): cut/.test(e.message),
    );
    expect(warning).toMatchObject({ message: expect.stringMatching(/^1 request/) });
    expect(await slow).not.toBe("200");
    expect(events.find((e) => e.type === "result")).toMatchObject({ ok: true });
  });

  it("keeps a hold put on by hand: the gate stays held after the restart's release", async () => {
    const w = (ws = adminWorkspace());
    const first = (rx = await startReceiver(w.configFile));
    const admin = await signIn(first.api);
    expect(await (await post(first, admin, "/admin/apps/webdemo/hold")).json()).toMatchObject({
      held: true,
    });
    const events = await ended(w, await restart(first, admin));
    expect(events.find((e) => e.type === "result")).toMatchObject({ ok: true });
    expect(
      events.find(
        (e) =>
          e.type === "log" &&
          /until the hold put on by hand is released on the admin page/.test(e.message),
      ),
    ).toMatchObject({ level: "warn" });
    expect((await appStatus(first)).hold.held).toBe(true);
    const waiting = fetch(`${first.gate()}/`).then(async (r) => (await r.text()).trim());
    await waitFor(async () => (await appStatus(first)).hold.queued === 1, "a request to wait");
    expect(await (await post(first, admin, "/admin/apps/webdemo/release")).json()).toMatchObject({
      held: false,
    });
    expect(await waiting).toBe("v1");
  });

  it("killed mid-restart (crash@after-unload): the next receiver finds its swap record and journals the restart as interrupted", async () => {
    const w = (ws = adminWorkspace());
    const first = (rx = await startReceiver(w.configFile, { HOTSWAP_FAULT: "crash@after-unload" }));
    const admin = await signIn(first.api);
    const exe = readFileSync(w.exeFile);
    const deployId = await restart(first, admin);
    await waitFor(
      () => first.child.exitCode !== null || first.child.signalCode !== null,
      "the receiver to die at after-unload",
    );
    expect(first.child.signalCode).toBe("SIGKILL");
    // The record a swap leaves, of exeFile onto itself: both digests the live file's.
    const record = JSON.parse(
      readFileSync(join(w.data, "apps", "webdemo", "swap.json"), "utf8"),
    ) as { phase: string; deployId: string; oldSha256: string; newSha256: string };
    expect(record).toMatchObject({ phase: "unload", deployId, newSha256: sha256(exe) });
    expect(record.oldSha256).toBe(record.newSha256);

    again = await startReceiver(w.configFile);
    const status = await appStatus(again);
    expect(readFileSync(w.exeFile).equals(exe)).toBe(true);
    expect(status.instances.map((s) => s.state)).toEqual(["healthy", "healthy"]);
    expect(status.recent[0]).toMatchObject({ op: "recover", outcome: "interrupted", deployId });
    expect(status.recent[0]!.message).toContain(
      `the receiver stopped during "unload" of restart ${deployId}; exeFile is unchanged`,
    );
    expect(existsSync(join(w.data, "apps", "webdemo", "swap.json"))).toBe(false);
    expect((await fetch(`${again.gate()}/`)).status).toBe(200);
  });
});

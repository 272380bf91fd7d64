// Guarantee 1 (docs/design.md) at shutdown: a receiver asked to stop (SIGTERM, as systemd restarts it)
// while requests wait at the gate answers each of them: a 503 with Retry-After and
// `connection: close` when the gate closes under them, never a reset. Then the
// restarted receiver serves them again.
import { rmSync } from "node:fs";
import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { StreamEvent } from "../../receiver/protocol.js";
import { adminWorkspace, signIn } from "../admin/admin-http.js";
import type { CallResult } from "../helpers/api-client.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { waitFor } from "../helpers/wait-for.js";
import type { Workspace } from "../helpers/workspace.js";
import {
  appStatus,
  deploy,
  gateAnswer,
  expectOnlyRunning,
  reapLeftovers,
  shutDown,
  stepTrail,
  SLOW,
} from "./fault-kit.js";

interface Answer {
  status: number;
  retryAfter?: string;
  connection?: string;
  body: string;
}

// One GET on its own connection; a reset or any other socket error is the answer
// too (as `error`), so the test can show exactly what each client got.
function get(url: string): Promise<Answer | { error: string }> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("error", (error: NodeJS.ErrnoException) =>
        resolve({ error: error.code ?? error.message }),
      );
      res.on("end", () =>
        resolve({
          status: res.statusCode!,
          retryAfter: res.headers["retry-after"],
          connection: res.headers.connection,
          body: body.trim(),
        }),
      );
    });
    req.on("error", (error: NodeJS.ErrnoException) =>
      resolve({ error: error.code ?? error.message }),
    );
    req.end();
  });
}

describe("a receiver restart while requests are held", SLOW, () => {
  let ws: Workspace | undefined;
  let rx: ReceiverProcess | undefined;
  let again: ReceiverProcess | undefined;
  afterEach(async () => {
    await shutDown(rx);
    await shutDown(again);
    await reapLeftovers(ws);
    if (ws) rmSync(ws.dir, { recursive: true, force: true });
    ws = rx = again = undefined;
  }, SLOW.timeout);

  it("held by hand on the admin page: every waiting client gets 503 + Retry-After, then the new receiver serves", async () => {
    const w = (ws = adminWorkspace());
    const first = (rx = await startReceiver(w.configFile));
    const admin = await signIn(first.api);
    const held = await fetch(`${first.api}/admin/apps/webdemo/hold`, {
      method: "POST",
      headers: { cookie: admin.cookie, "x-csrf-token": admin.csrf },
    });
    expect(held.status).toBe(200);
    expect(await held.json()).toMatchObject({ op: "hold", held: true });

    const gate = first.gate();
    const waiting = Array.from({ length: 5 }, (_, i) => get(`${gate}/held-${i}`));
    await waitFor(async () => (await appStatus(first)).hold.queued === 5, "5 requests on hold");

    await first.stop();
    expect(first.child.exitCode).toBe(0);
    const answers = await Promise.all(waiting);
    for (const answer of answers) {
      expect(answer).toMatchObject({
        status: 503,
        retryAfter: expect.stringMatching(/^\d+$/),
        connection: "close",
        body: expect.stringContaining("shutting down"),
      });
    }

    // The restarted receiver holds nothing (the hold was the old one's) and serves.
    again = await startReceiver(w.configFile);
    const status = await appStatus(again);
    expect(status.hold).toMatchObject({ held: false, queued: 0 });
    expect(await gateAnswer(again)).toBe("200 v1");
    const retried = await Promise.all(answers.map((_, i) => get(`${again!.gate()}/held-${i}`)));
    expect(retried.map((a) => ("status" in a ? `${a.status} ${a.body}` : a.error))).toEqual(
      Array(5).fill("200 v1"),
    );
    const pids = status.instances.map((s) => s.pid!);
    await expectOnlyRunning(w.exeFile, pids);
  });

  it("held by a swap: SIGTERM lets the swap finish, then every waiting client is answered, none reset", async () => {
    const w = (ws = adminWorkspace());
    const first = (rx = await startReceiver(w.configFile));
    // A new build that takes a while to start keeps the hold on long enough.
    const build = w.version("v2", { startDelayMs: 1500 });
    const events: StreamEvent[] = [];
    let holding = false;
    const deploying: Promise<CallResult | Error> = deploy(first, build, (e) => {
      events.push(e);
      if (e.type === "step" && e.step === "reload" && e.state === "start") holding = true;
    }).catch((error: Error) => error);
    await waitFor(() => holding, "the swap to hold requests and reload");

    const gate = first.gate();
    const waiting = Array.from({ length: 5 }, (_, i) => get(`${gate}/held-${i}`));
    await waitFor(async () => (await appStatus(first)).hold.queued === 5, "5 requests on hold");
    await first.stop();

    const d = await deploying;
    expect(d).not.toBeInstanceOf(Error);
    expect((d as CallResult).result).toMatchObject({
      ok: true,
      version: { version: "testapp v2" },
    });
    expect(stepTrail(events)).toContain("release:done");
    for (const answer of await Promise.all(waiting)) {
      expect("error" in answer ? answer.error : "answered").toBe("answered");
      const a = answer as Answer;
      if (a.status === 503) expect(a.retryAfter).toMatch(/^\d+$/);
      else expect(`${a.status} ${a.body}`).toBe("200 v2");
    }

    // Stopped cleanly: the next receiver finds nothing to recover and serves v2.
    again = await startReceiver(w.configFile);
    expect(await gateAnswer(again)).toBe("200 v2");
    const status = await appStatus(again);
    expect(status.recent.filter((e) => e.op === "recover")).toEqual([]);
    expect(status.recent[0]).toMatchObject({ op: "deploy", outcome: "ok" });
  });
});

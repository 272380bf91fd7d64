import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { AppStatus } from "../../receiver/protocol.js";
import { call } from "../helpers/api-client.js";
import type { ReceiverProcess } from "../helpers/receiver-process.js";
import { mint, SECRET } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import { RECEIVER_DEFAULTS } from "../helpers/workspace.js";
import { alive, receiverFileCopy, receiverPid, receiverUnderLoad } from "./upgrade-helpers.js";

// POST /v1/receiver/upgrade and /v1/receiver/reload (docs/design.md §7): what SIGUSR2
// and SIGHUP do, for a Windows service (no signals) and for scripts, behind a key-mode
// token for the receiver itself (app "*", op admin) signed with a key auth.adminKeys
// lists. Under an open-model load of fresh and keep-alive connections through the gate.
const OPS_SECRET = "ops-secret-0123456789abcdef0123456789abcdef";
const RATE = 200;

const adminToken = (
  o: { kid?: string; secret?: string; app?: string; op?: "admin" | "status" } = {},
) =>
  mint({
    app: o.app ?? "*",
    op: o.op ?? "admin",
    kid: o.kid ?? "ops",
    secret: o.secret ?? OPS_SECRET,
  });

describe("the receiver's own operations from the API", () => {
  const scene = receiverUnderLoad(RATE);
  const { pids, finish } = scene;
  let rx: ReceiverProcess | undefined;
  const start = async (cli?: string, adminKeys = ["ops"]) => {
    const started = await scene.start({
      cli,
      workspace: {
        config: {
          auth: {
            keys: [...RECEIVER_DEFAULTS.auth.keys, { id: "ops", secret: OPS_SECRET }],
            adminKeys,
          },
        },
      },
    });
    rx = started.rx;
    return started;
  };
  const post = async (path: string, token: string) => {
    const res = await fetch(`${rx!.api}/v1/receiver/${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const errorOf = (body: Record<string, unknown>) =>
    body.error as { code: string; message: string };
  const healthy = async () => {
    const res = await call(rx!.api, "/v1/apps/webdemo", { token: await mint({ op: "status" }) });
    return (res.json as AppStatus).instances.filter((s) => s.state === "healthy").length;
  };

  it("upgrade: 200 once the new receiver is ready, which then serves (new pid); reload: 200 with the summary; no request fails", async () => {
    const { ws, rx, load } = await start();
    const from = receiverPid(ws.data)!;
    const up = await post("upgrade", await adminToken());
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    expect(up.body).toMatchObject({ ok: true, pid: from });
    const to = up.body.newPid as number;
    pids.push(to);
    expect(to).not.toBe(from);
    await waitFor(() => receiverPid(ws.data) === to, `receiver.pid to name pid ${to}`);
    await waitFor(() => !alive(from), `the old receiver (pid ${from}) to exit`);
    expect(rx.logs.join("\n")).toContain("the API (key ops): upgrading to a new receiver");

    // The new receiver answers the API, and reloads a changed config from it.
    const config = parse(readFileSync(ws.configFile, "utf8"));
    config.apps.webdemo.instances = 3;
    writeFileSync(ws.configFile, stringify(config));
    const reload = await post("reload", await adminToken());
    expect(reload.status, JSON.stringify(reload.body)).toBe(200);
    expect(reload.body.summary).toMatch(/restarted webdemo \(instances 2 → 3\)/);
    expect(await healthy()).toBe(3);
    expect(rx.logs.join("\n")).toContain("config reload asked for by the API (key ops)");
    await finish(load, `POST /v1/receiver/upgrade (pid ${from} → ${to}), then /reload 2 → 3`);
  });

  it("a broken receiver file: 500 ERR_UPGRADE_FAILED naming why, the old receiver serves on; an invalid config: 409 ERR_RELOAD", async () => {
    const file = receiverFileCopy();
    const { ws, rx, load } = await start(file.cli);
    const pid = receiverPid(ws.data)!;
    file.breakIt();
    const up = await post("upgrade", await adminToken());
    expect(up.status).toBe(500);
    expect(errorOf(up.body).code).toBe("ERR_UPGRADE_FAILED");
    expect(errorOf(up.body).message).toContain("exited with code 3 before it was ready");
    expect(errorOf(up.body).message).toContain(`this receiver (pid ${pid}) keeps serving`);
    expect(receiverPid(ws.data)).toBe(pid);

    const config = parse(readFileSync(ws.configFile, "utf8"));
    config.apps.webdemo.instances = 0;
    writeFileSync(ws.configFile, stringify(config));
    const reload = await post("reload", await adminToken());
    expect(reload.status).toBe(409);
    expect(errorOf(reload.body)).toMatchObject({ code: "ERR_RELOAD" });
    expect(errorOf(reload.body).message).toMatch(/^reload refused: .*apps\.webdemo\.instances/);
    expect(await healthy()).toBe(2);
    expect(rx.child.exitCode).toBeNull();
    await finish(load, "a broken upgrade and an invalid config from the API");
  });

  it("refuses every token that is not for the receiver itself, and changes nothing", async () => {
    const { ws } = await start();
    const pid = receiverPid(ws.data)!;
    const cases: [string, Promise<string>, number, string, RegExp][] = [
      ["an app's token", adminToken({ app: "webdemo" }), 403, "ERR_WRONG_APP", /app "\*"/],
      ["another op", adminToken({ op: "status" }), 403, "ERR_WRONG_OP", /request op "admin"/],
      [
        "a key auth.adminKeys does not list",
        adminToken({ kid: "ci", secret: SECRET }),
        403,
        "ERR_ADMIN_NOT_ALLOWED",
        /auth\.adminKeys does not list "ci"/,
      ],
      ["a bad signature", adminToken({ secret: SECRET }), 401, "ERR_BAD_SIGNATURE", /signature/],
    ];
    for (const [what, token, status, code, message] of cases) {
      for (const path of ["upgrade", "reload"]) {
        const r = await post(path, await token);
        expect(r.status, `${what} → ${path}`).toBe(status);
        expect(errorOf(r.body).code, `${what} → ${path}`).toBe(code);
        expect(errorOf(r.body).message).toMatch(message);
      }
    }
    const none = await fetch(`${rx!.api}/v1/receiver/upgrade`, { method: "POST" });
    expect(none.status).toBe(401);
    // The same token twice: the second is a replay.
    const token = await adminToken();
    expect((await post("reload", token)).status).toBe(200); // the config as it is: nothing changes
    expect(errorOf((await post("reload", token)).body).code).toBe("ERR_REPLAYED");
    expect(receiverPid(ws.data)).toBe(pid);
    expect(rx!.logs.join("\n")).not.toContain("upgrading to a new receiver");
  });

  it("with auth.adminKeys empty (the default) the receiver's own operations are off", async () => {
    const { ws } = await start(undefined, []);
    const r = await post("upgrade", await adminToken());
    expect(r.status).toBe(403);
    expect(errorOf(r.body)).toMatchObject({ code: "ERR_ADMIN_NOT_ALLOWED" });
    expect(errorOf(r.body).message).toContain("auth.adminKeys lists no key");
    expect(receiverPid(ws.data)).toBe(rx!.child.pid);
  });
});

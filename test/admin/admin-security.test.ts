import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sessions } from "../../receiver/admin/session/sessions.js";
import { loadSessionKey } from "../../receiver/admin/session/session-key.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";
import {
  adminWorkspace,
  journal,
  loginForm,
  PASSWORD,
  PASSWORD_HASH,
  postLogin,
  sessionCookie,
  signIn,
  type AdminSession,
} from "./admin-http.js";

const PAGES = ["/admin", "/admin/apps/webdemo", "/admin/apps/nope", "/admin/log/d-1"];
const ACTIONS = ["upload", "deploy", "swap", "rollback", "restart", "hold", "release"];
const CALLS = [...ACTIONS.map((a) => `/admin/apps/webdemo/${a}`), "/admin/logout"];

describe("admin page security (plain HTTP)", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;
  let admin: AdminSession;
  beforeAll(async () => {
    // Servers that take a second to start make a restart long enough to collide with.
    ws = adminWorkspace({ v1: { startDelayMs: 1000 } });
    rx = await startReceiver(ws.configFile);
    admin = await signIn(rx.api);
  });
  afterAll(() => rx?.stop());

  const post = (path: string, init: RequestInit = {}) =>
    fetch(rx.api + path, { method: "POST", redirect: "manual", ...init });
  // An operation's journal line is on disk a moment before it lets go of the app; a
  // call in that moment gets 409 and changes nothing, so it is asked again.
  const postWhenFree = async (path: string, init: RequestInit = {}) => {
    let res = await post(path, init);
    await waitFor(async () => {
      if (res.status !== 409) return true;
      res = await post(path, init);
      return false;
    }, `${path} to find the app free`);
    return res;
  };
  const panel = async (session = admin) =>
    (await fetch(`${rx.api}/admin/apps/webdemo`, { headers: { cookie: session.cookie } })).text();

  it("sends every page to sign-in and refuses every call with 401 without a session", async () => {
    for (const path of PAGES) {
      const res = await fetch(rx.api + path, { redirect: "manual" });
      expect([path, res.status, res.headers.get("location")]).toEqual([path, 302, "/admin/login"]);
    }
    const events = await fetch(`${rx.api}/admin/events`, {
      headers: { accept: "text/event-stream" },
    });
    expect(events.status).toBe(401);
    expect(await events.json()).toMatchObject({ error: { code: "ERR_ADMIN_SESSION" } });
    for (const path of CALLS) {
      const res = await post(path, { body: "x", headers: { "content-type": "text/plain" } });
      expect([path, res.status]).toEqual([path, 401]);
      expect(await res.json()).toMatchObject({ error: { code: "ERR_ADMIN_SESSION" } });
    }
    expect(journal(ws)).toEqual([]);
    expect(existsSync(ws.updateFile)).toBe(false);
  });

  it("sets a session cookie that is HttpOnly, SameSite=Strict, Path=/admin and expiring", async () => {
    const form = await fetch(`${rx.api}/admin/login`);
    expect(sessionCookie(form)!.line).toMatch(/; Path=\/admin; HttpOnly; SameSite=Strict$/);
    const res = await postLogin(rx.api, await loginForm(rx.api), PASSWORD);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin");
    const { line } = sessionCookie(res)!;
    expect(line).toMatch(/; Max-Age=43200; Path=\/admin; HttpOnly; SameSite=Strict$/);
    expect(line).not.toMatch(/Secure/);
    const proxied = await fetch(`${rx.api}/admin/login`, {
      headers: { "x-forwarded-proto": "https" },
    });
    expect(sessionCookie(proxied)!.line).toMatch(/; Secure; SameSite=Strict$/);
    expect(rx.logs.join("\n")).not.toContain(PASSWORD);
    expect(rx.logs.join("\n")).not.toContain(sessionCookie(res)!.cookie.split("=")[1]);
  });

  it("refuses a login-only, tampered, forged or expired cookie", async () => {
    const form = await loginForm(rx.api);
    const [payload, signature] = form.cookie.split("=")[1]!.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
    const promoted = Buffer.from(JSON.stringify({ ...claims, signedIn: true })).toString(
      "base64url",
    );
    const key = loadSessionKey(ws.data, PASSWORD_HASH);
    const good = new Sessions(key, 60_000).issue(true).value;
    const expired = new Sessions(key, -1_000).issue(true).value;
    const forged = new Sessions(Buffer.alloc(32), 60_000).issue(true).value;
    const open = (value: string) =>
      fetch(`${rx.api}/admin`, {
        redirect: "manual",
        headers: { cookie: `hotswap_admin=${value}` },
      });
    expect((await open(good)).status).toBe(200); // the test signs as the receiver does
    for (const value of [payload!, `${promoted}.${signature}`, forged, expired, "x.y.z"])
      expect([value, (await open(value)).status]).toEqual([value, 302]);
    expect(
      (await fetch(`${rx.api}/admin`, { headers: { cookie: form.cookie }, redirect: "manual" }))
        .status,
    ).toBe(302);
  });

  it("refuses a form posted without its CSRF token, or with a wrong one, and changes nothing", async () => {
    const other = await signIn(rx.api);
    const form = { cookie: admin.cookie, "content-type": "application/x-www-form-urlencoded" };
    const attempts: [string, RequestInit][] = [
      ["no token", { headers: { cookie: admin.cookie } }],
      ["empty field", { headers: form, body: new URLSearchParams({ _csrf: "" }) }],
      ["wrong field", { headers: form, body: new URLSearchParams({ _csrf: "nope" }) }],
      ["wrong header", { headers: { cookie: admin.cookie, "x-csrf-token": "nope" } }],
      ["other session's", { headers: { cookie: admin.cookie, "x-csrf-token": other.csrf } }],
    ];
    for (const [what, init] of attempts) {
      const res = await post("/admin/apps/webdemo/hold", init);
      expect([what, res.status]).toEqual([what, 403]);
      expect(await res.json()).toMatchObject({ error: { code: "ERR_CSRF" } });
    }
    const upload = await postWhenFree("/admin/apps/webdemo/upload", {
      headers: { cookie: admin.cookie, "content-type": "application/octet-stream" },
      body: "new build",
    });
    expect(upload.status).toBe(403);
    const login = await post("/admin/login", {
      headers: {
        cookie: (await loginForm(rx.api)).cookie,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ password: PASSWORD }),
    });
    expect(login.status).toBe(403);
    expect(sessionCookie(login)).toBeUndefined();
    expect(await panel()).toContain("Hold requests");
    expect(journal(ws)).toEqual([]);
    expect(existsSync(ws.updateFile)).toBe(false);
  });

  it("journals every admin action with admin as the actor", async () => {
    const csrf = { cookie: admin.cookie, "x-csrf-token": admin.csrf };
    const held = await post("/admin/apps/webdemo/hold", {
      headers: {
        cookie: admin.cookie,
        "content-type": "application/x-www-form-urlencoded",
        accept: "text/html",
      },
      body: new URLSearchParams({ _csrf: admin.csrf }),
    });
    expect([held.status, held.headers.get("location")]).toEqual([303, "/admin"]);
    expect(await panel()).toContain("Holding requests");
    const released = await post("/admin/apps/webdemo/release", { headers: csrf });
    expect(await released.json()).toMatchObject({ op: "release", held: false });
    expect(await panel()).toContain("Hold requests");

    const restart = await post("/admin/apps/webdemo/restart", { headers: csrf });
    expect(restart.status).toBe(202);
    const { deployId } = (await restart.json()) as { deployId: string };
    const busy = await post("/admin/apps/webdemo/hold", { headers: csrf });
    expect(busy.status).toBe(409);
    expect(await busy.json()).toMatchObject({ error: { code: "ERR_BUSY" } });
    await waitFor(
      () => journal(ws).some((e) => e.deployId === deployId && e.outcome !== "started"),
      "the restart to end",
    );

    const body = Buffer.from("#!/bin/sh\necho v9\n");
    const upload = await postWhenFree("/admin/apps/webdemo/upload", {
      headers: { ...csrf, "content-type": "application/octet-stream" },
      body,
    });
    expect(upload.status).toBe(202);
    expect(readFileSync(ws.updateFile)).toEqual(body);
    await waitFor(() => journal(ws).some((e) => e.op === "upload"), "the upload to end");
    const none = await postWhenFree("/admin/apps/webdemo/rollback", { headers: csrf });
    expect(none.status).toBe(404);
    expect(await none.json()).toMatchObject({ error: { code: "ERR_NO_RELEASE" } });
    const unknown = await post("/admin/apps/nope/hold", { headers: csrf });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "ERR_UNKNOWN_APP" } });

    const entries = journal(ws).map(({ op, outcome, who }) => ({ op, outcome, who }));
    const admin_ = { actor: "admin", admin: true };
    expect(entries).toEqual([
      { op: "hold", outcome: "ok", who: admin_ },
      { op: "release", outcome: "ok", who: admin_ },
      { op: "restart", outcome: "started", who: admin_ },
      { op: "restart", outcome: "ok", who: admin_ },
      { op: "upload", outcome: "ok", who: admin_ },
    ]);
  });

  it("ends the session on sign-out", async () => {
    const session = await signIn(rx.api);
    const out = await post("/admin/logout", {
      headers: { cookie: session.cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: session.csrf }),
    });
    expect([out.status, out.headers.get("location")]).toEqual([303, "/admin/login"]);
    expect(sessionCookie(out)!.line).toMatch(/^hotswap_admin=; Max-Age=0;/);
    const after = await fetch(`${rx.api}/admin`, {
      redirect: "manual",
      headers: { cookie: session.cookie },
    });
    expect(after.status).toBe(302);
    expect((await fetch(`${rx.api}/admin`, { headers: { cookie: admin.cookie } })).status).toBe(
      200,
    );
  });

  // Last: it locks this address out of signing in for a minute.
  it("refuses a wrong password, and the 6th failure within a minute with 429", async () => {
    const form = await loginForm(rx.api);
    for (let i = 1; i <= 5; i++) {
      const res = await postLogin(rx.api, form, `guess-${i}`);
      expect(res.status).toBe(401);
      expect(await res.text()).toContain("Wrong password.");
      expect(sessionCookie(res)).toBeUndefined();
    }
    const locked = await postLogin(rx.api, form, PASSWORD);
    expect(locked.status).toBe(429);
    const retry = Number(locked.headers.get("retry-after"));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(60);
    expect(await locked.json()).toMatchObject({ error: { code: "ERR_TOO_MANY_ATTEMPTS" } });
    expect(rx.logs.join("\n")).not.toMatch(/guess-\d/);
  });
});

describe("admin page off", () => {
  it("answers 404 under /admin when the config has no admin key", async () => {
    const rx = await startReceiver(createWorkspace().configFile);
    try {
      for (const path of ["/admin", "/admin/login"])
        expect([path, (await fetch(rx.api + path, { redirect: "manual" })).status]).toEqual([
          path,
          404,
        ]);
      const post = await fetch(`${rx.api}/admin/login`, { method: "POST", body: "password=x" });
      expect(post.status).toBe(404);
    } finally {
      await rx.stop();
    }
  });
});

import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { AppStatus } from "../../receiver/protocol.js";
import { call } from "../helpers/api-client.js";
import { mint } from "../helpers/tokens.js";
import { adminReceiver } from "./admin-http.js";

// The admin page's Reload config button (docs/design.md §7): the reload SIGHUP runs,
// for a Windows service that gets no signals. It answers once the reload has ended:
// JSON for the page's script, or the page again with the result on it.
describe("Reload config from the admin page", () => {
  const scene = adminReceiver();

  const setInstances = (n: number | string) => {
    const config = parse(readFileSync(scene.ws.configFile, "utf8"));
    config.apps.webdemo.instances = n;
    writeFileSync(scene.ws.configFile, stringify(config));
  };
  const post = (headers: Record<string, string>, body?: string) =>
    fetch(`${scene.rx.api}/admin/reload`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: scene.admin.cookie, ...headers },
      body,
    });
  const instances = async () => {
    const res = await call(scene.rx.api, "/v1/apps/webdemo", {
      token: await mint({ op: "status" }),
    });
    return (res.json as AppStatus).instances.filter((s) => s.state === "healthy").length;
  };

  it("reloads a changed config and answers with the summary; the receiver runs 3 servers after", async () => {
    expect(await instances()).toBe(2);
    setInstances(3);
    const res = await post({ accept: "application/json", "x-csrf-token": scene.admin.csrf });
    expect(res.status).toBe(200);
    const result = (await res.json()) as { ok: boolean; summary: string };
    expect(result.ok).toBe(true);
    expect(result.summary).toMatch(/restarted webdemo \(instances 2 → 3\)/);
    expect(await instances()).toBe(3);
    expect(scene.rx.logs.join("\n")).toContain("config reload asked for by the admin page");
  });

  it("refuses an invalid config with 409 naming the key, and keeps the running one", async () => {
    setInstances(0);
    const res = await post({ accept: "application/json", "x-csrf-token": scene.admin.csrf });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("ERR_RELOAD");
    expect(body.error.message).toMatch(/^reload refused: .*apps\.webdemo\.instances/);
    expect(await instances()).toBe(3);
  });

  it("as a plain form: 303 to the dashboard, which shows the last reload", async () => {
    setInstances(2);
    const form = new URLSearchParams({ _csrf: scene.admin.csrf }).toString();
    const res = await post(
      { accept: "text/html", "content-type": "application/x-www-form-urlencoded" },
      form,
    );
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin");
    const page = await (
      await fetch(`${scene.rx.api}/admin`, { headers: { cookie: scene.admin.cookie } })
    ).text();
    expect(page).toContain("Reload config");
    expect(page).toMatch(/Last reload \([^)]+\): [^<]*restarted webdemo \(instances 3 → 2\)/);
    expect(await instances()).toBe(2);
  });

  it("refuses a post without the session's CSRF token, and reloads nothing", async () => {
    setInstances(3);
    const res = await post({ accept: "application/json" });
    expect(res.status).toBe(403);
    expect(await instances()).toBe(2);
  });
});

import { existsSync, readFileSync, statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppStatus } from "../../receiver/protocol.js";
import { call, sha256 } from "../helpers/api-client.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { snapshot } from "../helpers/snapshot.js";
import { mint } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import type { Workspace } from "../helpers/workspace.js";
import { formatReport, loadReport, openLoad, type OpenLoad } from "../load/open-load.mjs";
import { curl, updateExe, uploadExe } from "./curl.js";
import { legacyWorkspace } from "./legacy-workspace.js";

const RATE = 50; // requests per second through the gate, GET / and POST / with a body

describe("Web Connection's upload and update links (legacy: on)", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;
  let load: OpenLoad | undefined;
  const status = async () =>
    (await call(rx.api, "/v1/apps/webdemo", { token: await mint({ op: "status" }) }))
      .json as AppStatus;
  const serves = async (version: string) =>
    (await (await fetch(`${rx.gate()}/`)).text()) === `${version}\n`;

  beforeAll(async () => {
    ws = await legacyWorkspace();
    rx = await startReceiver(ws.configFile);
  });
  afterAll(async () => {
    await load?.stop();
    await rx?.stop();
  });

  it("updates the server as an unmodified Bld_*.prg does, with no failed request", async () => {
    const traffic = (load = openLoad({ url: rx.gate(), rate: RATE, mix: { get: 3, post: 1 } }));
    const answered = (version: string) => traffic.samples.some((s) => s.version === version);
    await waitFor(() => answered("v1"), "traffic through the gate");
    const build = ws.version("v2");

    const uploaded = await uploadExe(`${rx.api}/webdemo/UploadExe.wc`, build);
    expect(uploaded.status).toBe(200);
    expect(uploaded.body).toContain("File has been uploaded");
    expect(uploaded.body).toContain(sha256(readFileSync(build)));
    expect(uploaded.body).toContain("Webdemo.exe");
    expect(readFileSync(ws.updateFile)).toEqual(readFileSync(build));
    expect(await serves("v1")).toBe(true); // staged only

    const updated = await updateExe(`${rx.api}/WebDemo/UpdateExe.wc`);
    expect(updated.status).toBe(200);
    expect(updated.body).toContain("Exe Updated");
    expect(updated.body).toContain(`datetime="${statSync(ws.exeFile).mtime.toISOString()}"`);
    expect(updated.body).toContain("testapp v2");
    expect(readFileSync(ws.exeFile)).toEqual(readFileSync(build));
    await waitFor(() => answered("v2"), "answers from v2");

    const report = loadReport(await traffic.stop());
    expect(report.failures, formatReport(report)).toEqual({});
    expect(report).toMatchObject({ sent: traffic.scheduled, failed: 0 });
    expect(report.versions).toEqual(["v1", "v2"]); // v1 while only staged, then v2 for good
    const ended = (await status()).recent.filter((e) => e.outcome !== "started");
    expect(ended.slice(0, 2)).toMatchObject([
      { op: "swap", outcome: "ok", who: { actor: "rick", legacy: true } },
      { op: "upload", outcome: "ok", who: { actor: "rick", legacy: true } },
    ]);
  });

  it.each([
    ["wc.wc?_maintain~uploadexe", "wc.wc?_maintain~UpdateExe", "v3"],
    ["wc.wc?wwMaint~FileUpload", "wc.wc?_maintain~updatedexe", "v4"],
    ["UPLOADEXE.WC", "updateexe.wc", "v5"],
  ])("answers the %s and %s spellings", async (uploadLink, updateLink, version) => {
    const build = ws.version(version);
    const uploaded = await uploadExe(`${rx.api}/WEBDEMO/${uploadLink}`, build);
    expect(uploaded.status).toBe(200);
    expect(uploaded.body).toContain("File has been uploaded");
    const updated = await updateExe(`${rx.api}/webdemo/${updateLink}`);
    expect(updated.status).toBe(200);
    expect(updated.body).toContain("Exe Updated");
    expect(updated.body).toContain(`testapp ${version}`);
    expect(await serves(version)).toBe(true);
  });

  it("refuses a wrong password with a Basic challenge and changes nothing", async () => {
    const build = ws.version("evil");
    const before = snapshot(ws.dir);
    for (const user of ["rick:wrong", "nobody:pw"]) {
      const r = await uploadExe(`${rx.api}/webdemo/UploadExe.wc`, build, user);
      expect(r.status).toBe(401);
      expect(r.body).toContain("Upload failed");
      expect(r.body).not.toContain("File has been uploaded");
      const u = await updateExe(`${rx.api}/webdemo/UpdateExe.wc`, user);
      expect(u.status).toBe(401);
      expect(u.body).not.toMatch(/exe updated/i);
    }
    const bare = await fetch(`${rx.api}/webdemo/UpdateExe.wc`);
    expect(bare.status).toBe(401);
    expect(bare.headers.get("www-authenticate")).toMatch(/^Basic realm="Hotswap webdemo"/);
    expect(snapshot(ws.dir)).toEqual(before);
    expect(await serves("v5")).toBe(true);
  });

  it("is not there for an app that leaves legacy off, nor for other names", async () => {
    for (const path of [
      "/plain/UploadExe.wc",
      "/plain/UpdateExe.wc",
      "/plain/wc.wc?_maintain~UpdateExe",
      "/nosuchapp/UpdateExe.wc",
      "/webdemo/Other.wc",
      "/webdemo/wc.wc?wwDemo~Reindex",
      "/webdemo/wc.wc",
    ]) {
      const r = await curl(["-u", "rick:pw", `${rx.api}${path}`]);
      expect(r.status, path).toBe(404);
      expect(r.body, path).toContain("ERR_NOT_FOUND"); // the API's own 404: nothing tells legacy apps apart
    }
    const plain = await uploadExe(`${rx.api}/plain/UploadExe.wc`, ws.version("p2"));
    expect(plain.status).toBe(404);
    expect(existsSync(`${ws.dir}/deploy/plain_update`)).toBe(false);
  });

  it("answers an update with nothing staged, a bad form and a cross-site request with their status", async () => {
    const nothing = await updateExe(`${rx.api}/webdemo/UpdateExe.wc`);
    expect(nothing.status).toBe(404);
    expect(nothing.body).toContain("Exe Update failed");
    expect(nothing.body).toContain("ERR_NOTHING_STAGED");

    const raw = await curl([
      "-u",
      "rick:pw",
      "--data-binary",
      "MZ",
      `${rx.api}/webdemo/UploadExe.wc`,
    ]);
    expect(raw.status).toBe(415);
    const noFile = await curl([
      "-u",
      "rick:pw",
      "-F",
      "Notes=hi",
      `${rx.api}/webdemo/UploadExe.wc`,
    ]);
    expect(noFile.status).toBe(400);
    expect(noFile.body).toContain("ERR_NO_FILE");
    const get = await curl(["-u", "rick:pw", `${rx.api}/webdemo/UploadExe.wc`]);
    expect(get.status).toBe(405);
    expect(existsSync(ws.updateFile)).toBe(false);
  });

  it("never swaps for a HEAD, a prefetch or a page on another site", async () => {
    const build = ws.version("v6");
    expect((await uploadExe(`${rx.api}/webdemo/UploadExe.wc`, build)).status).toBe(200);
    const live = readFileSync(ws.exeFile);
    const url = `${rx.api}/webdemo/UpdateExe.wc`;
    expect((await curl(["-u", "rick:pw", "-I", url])).status).toBe(405);
    for (const header of [
      "Sec-Purpose: prefetch",
      "Sec-Fetch-Site: cross-site",
      "Sec-Fetch-Site: same-site",
      "Origin: https://elsewhere.example",
    ]) {
      const r = await curl(["-u", "rick:pw", "-X", "POST", "-H", header, url]);
      expect(r.status, header).toBe(403);
      expect(r.body).toContain("ERR_NOT_ASKED");
    }
    expect(readFileSync(ws.exeFile)).toEqual(live);
    expect(readFileSync(ws.updateFile)).toEqual(readFileSync(build));
    const typed = await curl(["-u", "rick:pw", "-H", "Sec-Fetch-Site: none", url]);
    expect(typed.status).toBe(200);
    expect(typed.body).toContain("testapp v6");
  });

  it("answers 409 while a swap runs, then the swap's own page", async () => {
    expect(
      (await uploadExe(`${rx.api}/webdemo/UploadExe.wc`, ws.version("v7", { startDelayMs: 1500 })))
        .status,
    ).toBe(200);
    const first = updateExe(`${rx.api}/webdemo/UpdateExe.wc`);
    await waitFor(async () => (await status()).busy, "the swap to run");
    const second = await updateExe(`${rx.api}/webdemo/UpdateExe.wc`);
    expect(second.status).toBe(409);
    expect(second.body).toContain("Exe Update failed");
    expect(second.body).toContain("ERR_BUSY");
    const done = await first;
    expect(done.status).toBe(200);
    expect(done.body).toContain("testapp v7");
  });

  it("reports a build that does not start as a failed update, and the old one serves again", async () => {
    const live = readFileSync(ws.exeFile);
    expect(
      (await uploadExe(`${rx.api}/webdemo/UploadExe.wc`, ws.version("v8", { crashAtStart: 3 })))
        .status,
    ).toBe(200);
    const r = await updateExe(`${rx.api}/webdemo/UpdateExe.wc`);
    expect(r.status).toBe(500);
    expect(r.body).toContain("Exe Update failed");
    expect(r.body).not.toMatch(/exe updated/i);
    expect(r.body).toContain("v8: cannot start");
    expect(readFileSync(ws.exeFile)).toEqual(live);
    expect(await serves("v7")).toBe(true);
  });
});

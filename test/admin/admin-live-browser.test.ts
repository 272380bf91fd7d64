import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, sha256 } from "../helpers/api-client.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { mint } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import type { Workspace } from "../helpers/workspace.js";
import { formatReport, loadReport, openLoad, type OpenLoad } from "../load/open-load.mjs";
import { adminWorkspace, PASSWORD } from "./admin-http.js";
import { launchChromium } from "./chromium.js";

const RATE = 40; // requests per second through the gate: enough to queue during a hold

const text = async (page: Page, selector: string) =>
  ((await page.locator(selector).first().textContent()) ?? "").trim();

// Records, in window.seen, every distinct value a part of the page takes while the
// deploy runs: the test then knows the page showed it, however briefly. (Browser code
// as a string: the project's types have no DOM; locators poll, since the page's CSP
// allows no eval.)
const recordPage = (page: Page) =>
  page.evaluate(`{
    const seen = (window.seen = { gate: [], queued: [], servers: [], reload: [], banner: [] });
    const note = (list, value) => { if (value && !list.includes(value)) list.push(value); };
    const look = () => {
      const gate = document.querySelector("[data-card=gate]");
      note(seen.gate, gate && gate.dataset.gateState);
      note(seen.queued, gate && gate.querySelector("[data-queued]").textContent.trim());
      for (const pill of document.querySelectorAll("[data-table=servers] .pill")) note(seen.servers, pill.textContent);
      const reload = document.querySelector("[data-live] li[data-step=reload] .message");
      note(seen.reload, reload && reload.textContent);
      const banner = document.querySelector("[data-banner]");
      if (banner && !banner.hidden) {
        const box = banner.getBoundingClientRect();
        note(seen.banner, banner.textContent.replace(/\\s+/g, " ").trim() + " @" + (box.top >= 0 && box.bottom <= innerHeight ? "in view" : "out of view"));
      }
    };
    new MutationObserver(look).observe(document.body, { childList: true, subtree: true, attributes: true, characterData: true });
  }`);

const seen = async (page: Page) =>
  (await page.evaluate("window.seen")) as Record<
    "gate" | "queued" | "servers" | "reload" | "banner",
    string[]
  >;

describe("admin page live during a deploy, in headless Chromium", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;
  let browser: Browser;
  let load: OpenLoad | undefined;
  let page: Page;
  const errors: string[] = [];
  beforeAll(async () => {
    // Servers that take 2.5 s to listen: a reload long enough to watch, requests queued meanwhile.
    ws = adminWorkspace({ app: { instances: 1 } });
    rx = await startReceiver(ws.configFile);
    browser = await launchChromium();
    // A short window: the app's section runs below the fold, where the banner must not.
    page = await browser.newPage({ viewport: { width: 1280, height: 500 } });
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${rx.api}/admin`);
    await page.fill("#password", PASSWORD);
    await page.click("button[type=submit]");
    await page.waitForURL(`${rx.api}/admin`);
  });
  afterAll(async () => {
    await load?.stop();
    await browser?.close();
    await rx?.stop();
  });

  it("shows the gate holding with its queue, the servers restarting, the reload's probes and a banner in view, then clears", async () => {
    const traffic = (load = openLoad({ url: rx.gate(), rate: RATE, mix: { get: 3, post: 1 } }));
    await waitFor(() => traffic.samples.some((s) => s.version === "v1"), "traffic through v1");
    await recordPage(page);
    await page.evaluate("window.scrollTo(0, document.body.scrollHeight)");

    const v2 = ws.version("v2", { startDelayMs: 2500 });
    await page.setInputFiles("section.app input[type=file]", v2);
    await page.click("section.app button[value=deploy]");
    // Held for the reload: the card says so, and its queue grows with the traffic.
    await page.locator("[data-card=gate][data-gate-state=holding]").waitFor({ timeout: 10_000 });
    expect(await text(page, "[data-card=gate] .big")).toMatch(
      /^Holding requests for deploy\s+holding$/,
    );
    await waitFor(
      async () => Number(await text(page, "[data-card=gate] [data-queued]")) >= 5,
      "the queue count on the gate card",
    );
    await page.locator("[data-live] li.result.ok").waitFor({ timeout: 20_000 });
    await page.locator("[data-card=gate][data-gate-state=open]").waitFor();

    const shown = await seen(page);
    expect(shown.gate).toEqual(expect.arrayContaining(["open", "holding"]));
    expect(Math.max(...shown.queued.map(Number))).toBeGreaterThanOrEqual(5);
    // The old server stopped and the new one started, as they did, not "healthy" throughout.
    expect(shown.servers).toEqual(expect.arrayContaining(["healthy", "starting"]));
    expect(shown.reload.some((m) => /^health: #0 GET \/health failed: ECONNREFUSED/.test(m))).toBe(
      true,
    );
    // The banner named the deploy while it ran, in view though the page was scrolled down.
    expect(shown.banner.some((b) => /^running deploy of webdemo .* @in view$/.test(b))).toBe(true);
    expect(await text(page, "[data-banner] .banner-line .pill")).toBe("ok");
    // Nothing says it is still hotswapping.
    await waitFor(
      async () => (await text(page, "[data-progress]")) === "",
      "the upload's label cleared",
    );
    expect(await page.locator("form.upload progress").isHidden()).toBe(true);
    expect(await text(page, "[data-live-state]")).toBe("ok");
    // The versions come with the panel the result has the page fetch again.
    await page
      .locator("[data-card=live-version] [data-version]", { hasText: /^testapp v2$/ })
      .waitFor();

    const report = loadReport(await traffic.stop());
    load = undefined;
    expect(report.failures, formatReport(report)).toEqual({});
    expect(report).toMatchObject({ sent: traffic.scheduled, failed: 0 });
    expect(report.versions).toEqual(["v1", "v2"]);
  }, 60_000);

  it("a rolled-back build: the same word in the live panel and the history, which names the failed build and why", async () => {
    const v3 = ws.version("v3", { healthStatus: 404 });
    await page.setInputFiles("section.app input[type=file]", v3);
    await page.click("section.app button[value=deploy]");
    await page.locator("[data-live] li.result.failed").waitFor({ timeout: 20_000 });

    expect(await text(page, "[data-live-state]")).toBe("rolled-back");
    expect(await text(page, "[data-live] li.result .message")).toMatch(
      /^deploy rolled-back: the new version failed its health check: server #0 failed its health check: GET \/health answered 404 3 times in a row/,
    );
    expect(await text(page, "[data-banner] .banner-line .pill")).toBe("rolled-back");
    const row = page.locator("[data-table=history] tbody tr[data-outcome=rolled-back]").first();
    await row.waitFor();
    expect(await row.getAttribute("data-op")).toBe("deploy");
    expect(await text(page, "[data-table=history] tr[data-outcome=rolled-back] [data-tried]")).toBe(
      "testapp v3",
    );
    expect(await row.locator("td").nth(3).textContent()).toBe("testapp v3 · testapp v2 serves");
    expect(await row.locator("[data-reason]").textContent()).toMatch(
      /answered 404 3 times in a row/,
    );
    expect(await row.locator(".pill").textContent()).toBe("rolled-back");
    expect(await text(page, "[data-card=live-version] [data-version]")).toBe("testapp v2");
  }, 60_000);

  it("the log page shows the deploy's repository, ref, commit and run, and each time on one line", async () => {
    const body = readFileSync(ws.version("v4"));
    const claims = {
      repository: "octo/webdemo",
      ref: "refs/tags/v4.0.0",
      sha: "0123456789abcdef0123456789abcdef01234567",
      run_id: "987654321",
    };
    const token = await mint({ op: "deploy", sha256: sha256(body), claims });
    const result = await call(rx.api, "/v1/apps/webdemo/deploy", { token, body });
    expect(result.result).toMatchObject({ ok: true });
    const deployId = result.result!.deployId;

    await page.goto(`${rx.api}/admin/log/${deployId}`);
    const repo = page.locator("[data-source=repository] a");
    expect(await repo.textContent()).toBe("octo/webdemo");
    expect(await repo.getAttribute("href")).toBe("https://github.com/octo/webdemo");
    expect(await text(page, "[data-source=repository]")).toBe("octo/webdemo @ refs/tags/v4.0.0");
    const commit = page.locator("[data-source=commit] a");
    expect(await commit.textContent()).toBe("0123456789ab");
    expect(await commit.getAttribute("href")).toBe(
      `https://github.com/octo/webdemo/commit/${claims.sha}`,
    );
    const run = page.locator("[data-source=run] a");
    expect(await run.getAttribute("href")).toBe(
      "https://github.com/octo/webdemo/actions/runs/987654321",
    );
    // Every time is one line: its text lays out as a single box.
    const lines =
      (await page.evaluate(`[...document.querySelectorAll("[data-table=log] tbody td.time")].map((cell) => {
      const range = document.createRange();
      range.selectNodeContents(cell);
      return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
    })`)) as number[];
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.every((n) => n === 1)).toBe(true);
    const times = await page.locator("[data-table=log] tbody td.time").allTextContents();
    expect(times.every((t) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/.test(t))).toBe(true);
    expect(errors).toEqual([]);
  }, 60_000);
});

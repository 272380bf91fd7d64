import { mkdirSync, readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { waitFor } from "../helpers/wait-for.js";
import type { Workspace } from "../helpers/workspace.js";
import { formatReport, loadReport, openLoad, type OpenLoad } from "../load/open-load.mjs";
import { adminWorkspace, PASSWORD } from "./admin-http.js";
import { launchChromium } from "./chromium.js";

const ARTIFACTS = "test-artifacts";
const STEPS = ["hold", "unload", "swap", "reload", "release"];
const RATE = 50; // requests per second through the gate, GET / and POST / with a body

const text = async (page: Page, selector: string) =>
  ((await page.locator(selector).first().textContent()) ?? "").trim();

// Records every change of the live steps list as "step:state" in window.seen, so
// the test can tell steps that arrived one by one from a list drawn at once.
// (Browser code as a string: the project's types have no DOM.)
const watchLiveSteps = (page: Page) =>
  page.evaluate(`{
    const seen = (window.seen = []);
    const list = document.querySelector("[data-live] ol");
    new MutationObserver(() => {
      for (const li of list.querySelectorAll("li.step")) {
        const entry = li.dataset.step + ":" + li.className.replace("step ", "");
        if (!seen.includes(entry)) seen.push(entry);
      }
    }).observe(list, { childList: true, subtree: true, attributes: true });
  }`);

// Locators poll from outside the page: its CSP (rightly) allows no eval, which
// waitForFunction would need.
/** Waits until the live panel shows an operation of this kind, ended ok. */
const liveResult = async (page: Page, op: string) => {
  await page.locator("[data-live-title]", { hasText: new RegExp(`^${op} d-`) }).waitFor();
  await page.locator("[data-live] li.result.ok").waitFor();
};

const liveVersion = (page: Page, version: string) =>
  page
    .locator("[data-card=live-version] [data-version]", { hasText: new RegExp(`^${version}$`) })
    .waitFor();

describe("admin page in headless Chromium", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;
  let browser: Browser;
  let load: OpenLoad | undefined;
  beforeAll(async () => {
    ws = adminWorkspace();
    rx = await startReceiver(ws.configFile);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await load?.stop();
    await browser?.close();
    await rx?.stop();
  });

  it("signs in, uploads and hotswaps v2 live, rolls back to v1, and no client request fails", async () => {
    const traffic = (load = openLoad({ url: rx.gate(), rate: RATE, mix: { get: 3, post: 1 } }));
    const answered = (version: string, from: number) =>
      traffic.samples.slice(from).some((s) => s.version === version);
    await waitFor(() => answered("v1", 0), "traffic through the gate");
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));

    await page.goto(`${rx.api}/admin`);
    expect(page.url()).toBe(`${rx.api}/admin/login`);
    await page.fill("#password", "not the password");
    await page.click("button[type=submit]");
    expect(await text(page, ".error")).toBe("Wrong password.");
    expect(page.url()).toBe(`${rx.api}/admin/login`);
    await page.fill("#password", PASSWORD);
    await page.click("button[type=submit]");
    await page.waitForURL(`${rx.api}/admin`);
    expect(await text(page, "[data-card=live-version] [data-version]")).toBe("testapp v1");

    const v2 = ws.version("v2");
    await page.setInputFiles("section.app input[type=file]", v2);
    await page.click("section.app button[value=upload]");
    await page.locator("[data-card=staged] [data-version]").waitFor();
    expect(await text(page, "[data-card=staged] [data-version]")).toBe("testapp v2");
    expect(await text(page, "[data-progress]")).toMatch(/^100% — v2 staged$/);
    expect(await page.locator("section.app progress").getAttribute("value")).toBe(
      String(readFileSync(v2).length),
    );
    expect(readFileSync(ws.updateFile)).toEqual(readFileSync(v2));

    await watchLiveSteps(page);
    const beforeSwap = traffic.samples.length;
    await page.click("[data-card=staged] button:has-text('Hotswap')");
    await liveResult(page, "swap");
    const done = await page
      .locator("[data-live] li.step.done")
      .evaluateAll((lis) => lis.map((li) => li.getAttribute("data-step")));
    expect(done).toEqual(STEPS);
    const seen = (await page.evaluate("window.seen")) as string[];
    expect(seen.indexOf("hold:start")).toBeGreaterThanOrEqual(0);
    expect(seen.indexOf("hold:start")).toBeLessThan(seen.indexOf("release:done"));
    await liveVersion(page, "testapp v2");
    const row = page.locator("[data-table=history] tbody tr").first();
    expect(await row.getAttribute("data-op")).toBe("swap");
    expect(await row.getAttribute("data-outcome")).toBe("ok");
    expect(await row.locator("td").nth(2).textContent()).toBe("admin");
    await waitFor(() => answered("v2", beforeSwap), "answers from v2");
    await waitFor(
      async () => !/—/.test(await text(page, "[data-rate]")),
      "the gate's request rate on the page",
    );

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/admin-dashboard.png`, fullPage: true });
    // The README's picture: refreshed on request only (HOTSWAP_DOCS_SCREENSHOT=1 npm test),
    // since every run shows other times and process ids.
    if (process.env.HOTSWAP_DOCS_SCREENSHOT) {
      await page.screenshot({ path: "docs/admin-dashboard.png", fullPage: true });
    }

    const beforeRollback = traffic.samples.length;
    await page.click(
      "[data-table=releases] tr:has-text('testapp v1') button:has-text('Roll back')",
    );
    await liveResult(page, "rollback");
    await liveVersion(page, "testapp v1");
    await waitFor(() => answered("v1", beforeRollback), "answers from v1 again");
    await page.screenshot({ path: `${ARTIFACTS}/admin-dashboard-rolled-back.png`, fullPage: true });

    const rollback = page.locator("[data-table=history] tbody tr").first();
    expect(await rollback.getAttribute("data-op")).toBe("rollback");
    await rollback.locator("a:has-text('log')").click();
    await page.locator("[data-table=log]").waitFor();
    const logged = await page
      .locator("[data-table=log] tbody tr td:nth-child(2)")
      .allTextContents();
    expect(logged).toEqual(expect.arrayContaining([...STEPS, "result"]));
    await page.screenshot({ path: `${ARTIFACTS}/admin-log.png`, fullPage: true });

    const report = loadReport(await traffic.stop());
    expect(report.failures, formatReport(report)).toEqual({});
    expect(report).toMatchObject({ sent: traffic.scheduled, failed: 0 });
    // v1 until the hotswap, v2 until the rollback, v1 again: no answer went back a version.
    expect(report.versions).toEqual(["v1", "v2", "v1"]);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});

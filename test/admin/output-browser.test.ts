import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeChattyApp } from "../helpers/app-script.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { waitFor } from "../helpers/wait-for.js";
import type { Workspace } from "../helpers/workspace.js";
import { adminWorkspace, PASSWORD } from "./admin-http.js";
import { launchChromium } from "./chromium.js";

describe("admin page: an app's Output view in headless Chromium", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;
  let browser: Browser;
  beforeAll(async () => {
    ws = adminWorkspace({
      app: { env: { PORT: "{port}", INSTANCE: "{instance}" } },
      config: { metrics: true },
    });
    writeChattyApp(ws.exeFile);
    rx = await startReceiver(ws.configFile);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await rx?.stop();
  });

  const followers = async () => {
    const text = await (await fetch(`${rx.api}/metrics`)).text();
    return Number(/^hotswap_log_followers\{app="webdemo"\} (\d+)$/m.exec(text)?.[1]);
  };

  it("shows the buffer from the app panel's link, follows a new line live, as text", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await page.goto(`${rx.api}/admin`);
    await page.fill("#password", PASSWORD);
    await page.click("button[type=submit]");
    await page.waitForURL(`${rx.api}/admin`);

    await page.click("section.app a[data-link=output]");
    await page.waitForURL(`${rx.api}/admin/apps/webdemo/output`);
    const rows = page.locator("[data-table=output] tbody tr");
    await rows.filter({ hasText: "started #0 on stdout" }).first().waitFor();
    const stderrRow = rows.filter({ hasText: "started #1 on stderr" }).first();
    expect(await stderrRow.getAttribute("class")).toBe("stderr");
    expect(await stderrRow.locator("td").nth(1).textContent()).toBe("#1");
    // Terminal escapes show as text.
    await rows.filter({ hasText: "\\x1b[31mred\\x1b[0m" }).first().waitFor();
    await page.locator("[data-follow-state]", { hasText: "following" }).waitFor();
    await waitFor(async () => (await followers()) === 1, "the page to follow the output");

    // Printed after the page loaded: it comes through the live feed, escaped as text.
    const marker = `followed <b data-x>${Date.now()}</b> & <script>alert(1)</script>`;
    const instance = await (
      await fetch(`${rx.gate()}/say?stream=stdout&text=${encodeURIComponent(marker)}`)
    ).text();
    const row = rows.filter({ hasText: marker });
    await row.waitFor();
    expect(await row.locator("td.line").textContent()).toBe(marker);
    expect(await row.locator("td").nth(1).textContent()).toBe(`#${instance}`);
    expect(await page.locator("[data-table=output] b[data-x]").count()).toBe(0);
    expect(await page.locator("[data-table=output] script").count()).toBe(0);

    // Unticking Follow closes the feed; the receiver lets go of it.
    await page.uncheck("[data-follow]");
    await page.locator("[data-follow-state]", { hasText: "paused" }).waitFor();
    await waitFor(async () => (await followers()) === 0, "the follower to go away");
    await page.check("[data-follow]");
    await waitFor(async () => (await followers()) === 1, "following again");
    await page.close();
    await waitFor(async () => (await followers()) === 0, "the closed page's follower to go");
    expect(errors).toEqual([]);
  });
});

import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { waitFor } from "../helpers/wait-for.js";
import type { Workspace } from "../helpers/workspace.js";
import { finishLoad } from "../load/finish-load.js";
import { trafficTo } from "../load/traffic.js";
import { alive, receiverPid, stopAll } from "../lifecycle/upgrade-helpers.js";
import { adminWorkspace, PASSWORD } from "./admin-http.js";
import { launchChromium } from "./chromium.js";

// The admin page's Upgrade receiver button (docs/design.md §7): the upgrade SIGUSR2
// runs, for a Windows service that gets no signals. Clicked in headless Chromium while
// the gate serves an open-model load: the page comes back from the new receiver (its
// pid on it), still signed in (sessions are signed with a key in the data folder), and
// no request through the gate fails.
describe("Upgrade receiver from the admin page, in headless Chromium", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;
  let browser: Browser;
  const pids: number[] = [];
  beforeAll(async () => {
    ws = adminWorkspace();
    rx = await startReceiver(ws.configFile);
    pids.push(rx.child.pid!);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    if (ws) await stopAll(ws.data, pids);
    await rx?.kill();
  });

  it("answers with the dashboard of the new receiver, still signed in; no request fails", async () => {
    const load = await trafficTo(rx.gate(), { rate: 200 });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${rx.api}/admin`);
    await page.fill("#password", PASSWORD);
    await page.click("button[type=submit]");
    await page.waitForURL(`${rx.api}/admin`);
    const from = receiverPid(ws.data)!;
    expect(await page.locator(".receiver-pid").textContent()).toBe(String(from));

    await page.click("button:has-text('Upgrade receiver')");
    await page.waitForURL(`${rx.api}/admin`);
    await waitFor(
      () => receiverPid(ws.data) !== from && receiverPid(ws.data),
      "a new receiver.pid",
    );
    const to = receiverPid(ws.data)!;
    pids.push(to);
    await waitFor(() => !alive(from), `the old receiver (pid ${from}) to exit`);
    // The page the redirect led to may have come from the old receiver still: load it again.
    await page.reload();
    expect(await page.locator(".receiver-pid").textContent()).toBe(String(to));
    expect(await page.locator("#password").count(), "still signed in").toBe(0);
    expect(rx.logs.join("\n")).toContain("the admin page: upgrading to a new receiver");
    expect(errors).toEqual([]);

    await finishLoad(load, `Upgrade receiver clicked (pid ${from} → ${to}) at 200 rps`);
  });
});

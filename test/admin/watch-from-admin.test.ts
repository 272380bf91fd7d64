import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CallResult } from "../helpers/api-client.js";
import { deploy } from "../helpers/deploy.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { waitFor } from "../helpers/wait-for.js";
import type { Workspace } from "../helpers/workspace.js";
import { appStatus } from "../overlap/overlap-fixtures.js";
import { adminWorkspace, PASSWORD, signIn } from "./admin-http.js";
import { launchChromium } from "./chromium.js";

const WATCHED = {
  strategy: "overlap",
  watch: { for: "30s", maxErrorRate: "2%", minRequests: 5 },
  health: { path: "/health", timeout: "5s" },
};

/** Light traffic on the gate, one request every 50 ms: what the watch counts. */
function traffic(rx: ReceiverProcess) {
  const answers: string[] = [];
  const failures: string[] = [];
  const timer = setInterval(() => {
    fetch(rx.gate()).then(
      async (r) => {
        const text = (await r.text()).trim();
        if (r.status === 200) answers.push(text);
        else failures.push(`${r.status} ${text}`);
      },
      (error: Error) => failures.push(error.message),
    );
  }, 50);
  return { answers, failures, stop: () => clearInterval(timer) };
}

/** The new build's answers on the watch card, as the page shows them now. */
async function cardCount(page: Page): Promise<number> {
  const text = (await page.locator("[data-watch-counts]").textContent()) ?? "";
  return Number(/^(\d+) answers?/.exec(text)?.[1] ?? NaN);
}

// The admin page's watch card (issue 15): a deploy judged by its traffic shows there,
// its counts growing from the deploy's watch events without a page reload, and its
// "Promote now" and "Roll back now" end it, in headless Chromium.
describe("a watch from the admin page, in headless Chromium", () => {
  let ws: Workspace;
  let rx: ReceiverProcess | undefined;
  let load: ReturnType<typeof traffic> | undefined;
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());
  afterEach(async () => {
    load?.stop();
    await rx?.stop();
  });

  async function start() {
    ws = adminWorkspace({ app: WATCHED });
    rx = await startReceiver(ws.configFile);
    load = traffic(rx);
    await waitFor(() => load!.answers.includes("v1"), "v1 answering through the gate");
    return rx;
  }

  /** A signed-in dashboard; `errors`: what its script threw. */
  async function openPage(rx: ReceiverProcess): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${rx.api}/admin`);
    await page.fill("#password", PASSWORD);
    await page.click("button[type=submit]");
    await page.waitForURL(`${rx.api}/admin`);
    // Gone if the page loads again: the card must be updated in place.
    await page.evaluate("window.sameLoad = true");
    return { page, errors };
  }

  it("shows the watch live, with growing counts; Promote now keeps the build", async () => {
    const rx = await start();
    const { page, errors } = await openPage(rx);
    expect(await page.locator("[data-watch]").count(), "no watch yet").toBe(0);
    let done: CallResult | undefined;
    const deploying = deploy(rx, ws.version("v2")).then((r) => (done = r));

    // The card comes in with the deploy's first watch event (the panel fetched again).
    const card = page.locator("[data-watch]");
    await card.waitFor({ timeout: 15_000 });
    expect(await card.getAttribute("data-step")).toBe("watch");
    expect(await card.getAttribute("data-deploy-id")).toMatch(/^d-/);
    expect(await page.locator("[data-watch-rule]").textContent()).toMatch(
      /more than 2% errors beyond the baseline's, once 5 answered/,
    );
    expect(await page.locator("[data-watch-baseline]").textContent()).toMatch(
      /^\d+ answers?, 0 errors/,
    );
    expect(await page.locator("[data-watch-elapsed]").textContent()).toMatch(/^\d+ s of 30 s$/);
    const first = await cardCount(page);
    await waitFor(async () => (await cardCount(page)) > first, "the counts to grow", 12_000, {
      intervalMs: 200,
    });
    expect(await cardCount(page)).toBeGreaterThan(first);
    expect(await page.locator("[data-watch-counts]").textContent()).toMatch(
      /^\d+ answers, 0 errors \(0%\)$/,
    );
    expect(await page.evaluate("window.sameLoad"), "no page reload").toBe(true);

    await page.click("button:has-text('Promote now')");
    await deploying;
    expect(done!.result).toMatchObject({
      ok: true,
      version: { version: "testapp v2" },
      judged: [{ step: "watch", verdict: "promoted", by: "the admin page" }],
    });
    await page
      .locator("[data-table=history] [data-judged=watch]", {
        hasText: /^watch promoted by the admin page: \d+ answers, 0 errors \(0%\)$/,
      })
      .waitFor();
    await card.waitFor({ state: "detached" });
    expect(await page.locator("[data-notice]").isHidden()).toBe(true);
    await waitFor(() => load!.answers.at(-1) === "v2", "v2 answering through the gate");
    expect(rx.logs.join("\n")).toContain("by the admin page");

    // Nothing is judged now: the same refusal as any admin action, for the script and a form.
    const admin = await signIn(rx.api);
    const post = (accept: string) =>
      fetch(`${rx.api}/admin/apps/webdemo/promote`, {
        method: "POST",
        headers: { cookie: admin.cookie, "x-csrf-token": admin.csrf, accept },
      });
    const json = await post("application/json");
    expect(json.status).toBe(404);
    expect(await json.json()).toMatchObject({
      error: { code: "ERR_NO_WATCH", message: expect.stringMatching(/^nothing to promote/) },
    });
    const html = await post("text/html");
    expect(html.status).toBe(404);
    expect(await html.text()).toContain("nothing to promote");
    await page.close();
    expect(errors).toEqual([]);
    expect(load!.failures).toEqual([]);
  });

  it("Roll back now hands back to v1", async () => {
    const rx = await start();
    let done: CallResult | undefined;
    const deploying = deploy(rx, ws.version("v2")).then((r) => (done = r));
    await waitFor(async () => (await appStatus(rx)).watch, "the watch to begin", 15_000, {
      intervalMs: 200,
    });
    // Opened during the watch: the card is on the page as it loads.
    const { page, errors } = await openPage(rx);
    await page.locator("[data-watch]").waitFor();
    await waitFor(() => load!.answers.includes("v2"), "v2 answering through the gate");

    await page.click("button:has-text('Roll back now')");
    await deploying;
    expect(done!.result).toMatchObject({
      ok: false,
      rolledBack: true,
      error: { code: "ERR_ABORTED" },
      judged: [{ step: "watch", verdict: "aborted", by: "the admin page" }],
    });
    const row = page.locator("[data-table=history] tr[data-outcome=rolled-back]");
    await row
      .locator("[data-judged=watch]", {
        hasText: /^watch aborted by the admin page: \d+ answers?, 0 errors/,
      })
      .waitFor();
    // The error stays on the outcome, as for any rolled-back entry.
    expect(await row.locator(".pill").getAttribute("title")).toBeTruthy();
    await page.locator("[data-watch]").waitFor({ state: "detached" });
    const since = load!.answers.length;
    await waitFor(() => load!.answers.length > since + 5, "answers after the rollback");
    expect(new Set(load!.answers.slice(since + 1))).toEqual(new Set(["v1"]));
    expect(await (await fetch(rx.gate())).text()).toBe("v1\n");
    await page.close();
    expect(errors).toEqual([]);
    expect(load!.failures).toEqual([]);
  });
});

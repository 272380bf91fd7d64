import type { Handler } from "hono";
import type { Receiver } from "../../receiver.js";
import { HttpError } from "../../http-error.js";
import type { HttpEnv } from "../../http/http-env.js";
import { AppPanel } from "../pages/app-panel.js";
import { appView } from "../pages/app-view.js";
import { DashboardPage } from "../pages/dashboard-page.js";
import { wireLine } from "../../api/app-logs.js";
import { LogPage, type LoggedEvent } from "../pages/log-page.js";
import { OutputPage } from "../pages/output-page.js";
import type { RateMeter } from "../rate-meter.js";
import { VERSION } from "../../version.js";

const RECEIVER_PROCESS = {
  pid: process.pid,
  version: VERSION,
  since: new Date(Date.now() - process.uptime() * 1000).toISOString().slice(0, 19) + "Z",
};

// GET /admin: every app on one page.
export function dashboard(receiver: Receiver, meter: RateMeter): Handler<HttpEnv> {
  return async function showDashboard(c) {
    const views = await Promise.all([...receiver.apps.values()].map((rt) => appView(rt, meter)));
    const csrf = c.var.adminSession!.csrf;
    return c.html(
      <DashboardPage
        views={views}
        csrf={csrf}
        nonce={c.get("secureHeadersNonce")}
        configFile={receiver.config.file}
        lastReload={receiver.lastReload}
        process={RECEIVER_PROCESS}
      />,
    );
  };
}

// GET /admin/apps/:app: one app's status panel, which the page's script swaps
// in after an operation.
export function appPanel(meter: RateMeter): Handler<HttpEnv> {
  return async function showAppPanel(c) {
    const view = await appView(c.var.adminApp, meter);
    return c.html(<AppPanel view={view} csrf={c.var.adminSession!.csrf} />);
  };
}

// GET /admin/log/:deployId: one journal entry with every event it logged.
export function logPage(receiver: Receiver): Handler<HttpEnv> {
  return async function showLog(c) {
    const deployId = c.req.param("deployId") ?? "";
    const entries = (await receiver.journal.recent(undefined, 5000)).filter(
      (e) => e.deployId === deployId,
    );
    const text = await receiver.journal.readLog(deployId).catch((error: Error) => {
      throw new HttpError(500, "ERR_JOURNAL_READ", error.message);
    });
    if (!entries.length && text === undefined) {
      throw new HttpError(
        404,
        "ERR_NO_LOG",
        `no journal entry ${JSON.stringify(deployId.slice(0, 80))}`,
      );
    }
    const events = (text ?? "")
      .split("\n")
      .filter(Boolean)
      .flatMap((line): LoggedEvent[] => {
        try {
          return [JSON.parse(line) as LoggedEvent];
        } catch {
          return [];
        }
      });
    const nonce = c.get("secureHeadersNonce");
    const csrf = c.var.adminSession!.csrf;
    return c.html(
      <LogPage deployId={deployId} entries={entries} events={events} csrf={csrf} nonce={nonce} />,
    );
  };
}

// GET /admin/apps/:app/output: the app's Output view, the whole log buffer (§7).
export function outputPage(): Handler<HttpEnv> {
  return function showOutput(c) {
    const runtime = c.var.adminApp;
    const lines = runtime.output.tail(runtime.output.maxLines).map(wireLine);
    return c.html(
      <OutputPage
        app={runtime.config.name}
        lines={lines}
        csrf={c.var.adminSession!.csrf}
        nonce={c.get("secureHeadersNonce")}
      />,
    );
  };
}

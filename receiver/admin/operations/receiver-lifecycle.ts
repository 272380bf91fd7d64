import type { Handler } from "hono";
import type { HttpEnv } from "../../http/http-env.js";
import { reloadReceiver, upgradeReceiver } from "../../lifecycle/receiver-operations.js";
import type { Log } from "../../log.js";
import type { Receiver } from "../../receiver.js";
import { ADMIN_BASE } from "../admin-env.js";
import { wantsHtml } from "../wants-html.js";

// POST /admin/reload and /admin/upgrade: the config reload SIGHUP runs and the upgrade
// SIGUSR2 runs (docs/design.md §7), for a Windows service, which gets no signals, and
// for anyone at the page. Each answers once it is known how it went: the page again
// (which shows the last reload; after an upgrade, the new receiver serves it), or the
// result as JSON. A refusal is the error page naming why (lifecycle/receiver-operations.ts).
export function reloadFromAdmin(receiver: Receiver, log: Log): Handler<HttpEnv> {
  return async function reloadAsked(c) {
    const result = await reloadReceiver(receiver, log, "the admin page");
    return wantsHtml(c) ? c.redirect(ADMIN_BASE, 303) : c.json(result);
  };
}

export function upgradeFromAdmin(receiver: Receiver): Handler<HttpEnv> {
  return async function upgradeAsked(c) {
    const result = await upgradeReceiver(receiver, "the admin page");
    return wantsHtml(c) ? c.redirect(ADMIN_BASE, 303) : c.json(result);
  };
}

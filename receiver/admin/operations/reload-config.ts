import type { Handler } from "hono";
import { HttpError } from "../../http-error.js";
import type { HttpEnv } from "../../http/http-env.js";
import type { Log } from "../../log.js";
import type { Receiver } from "../../receiver.js";
import { ADMIN_BASE } from "../admin-env.js";
import { wantsHtml } from "../wants-html.js";

// POST /admin/reload: the config reload SIGHUP runs (docs/design.md §7), for a
// Windows service, which gets no signals, and for anyone at the page. It answers when
// the reload has ended: the page again (which shows the result), or the result as JSON.
// A refused or partly failed reload is a 409 naming why; nothing changed that it names.
export function reloadConfig(receiver: Receiver, log: Log): Handler<HttpEnv> {
  return async function reloadFromAdmin(c) {
    if (!receiver.reload)
      throw new HttpError(
        503,
        "ERR_STARTING",
        "the receiver is still starting: reload once it serves",
        { headers: { "retry-after": "5" } },
      );
    log("info", "config reload asked for on the admin page");
    const result = await receiver.reload();
    if (!result.ok) throw new HttpError(409, "ERR_RELOAD", `reload ${result.summary}`);
    if (wantsHtml(c)) return c.redirect(ADMIN_BASE, 303);
    return c.json(result);
  };
}

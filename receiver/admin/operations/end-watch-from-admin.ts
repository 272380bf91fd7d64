import type { Handler } from "hono";
import type { HttpEnv } from "../../http/http-env.js";
import { endWatch } from "../../runtime/end-watch.js";
import { ADMIN_BASE } from "../admin-env.js";
import { wantsHtml } from "../wants-html.js";

// POST /admin/apps/:app/promote and /abort: the watch card's "Promote now" and "Roll
// back now". The watch is ended at once (a refusal, 404 when none runs or 409 when it is
// ending already, is the answer), but its deploy's last steps (retiring the old
// servers, or the switch back) are not waited for: they reach the page as the
// deploy's steps and result over /admin/events, like any operation the page starts.
export function endWatchFromAdmin(how: "promoted" | "aborted"): Handler<HttpEnv> {
  const op = how === "promoted" ? "promote" : "abort";
  return function endWatchAsked(c) {
    const rt = c.var.adminApp;
    const deployId = rt.watching?.deployId;
    endWatch(rt, how, "the admin page").catch((error: Error) =>
      rt.log("warn", `${op} of ${deployId} from the admin page: ${error.message}`),
    );
    if (wantsHtml(c)) return c.redirect(ADMIN_BASE, 303);
    return c.json({ deployId, op, app: rt.config.name }, 202);
  };
}

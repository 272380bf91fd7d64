import type { Context, Handler } from "hono";
import type { Operation } from "../../runtime/operation.js";
import { startOperation } from "../../runtime/start-operation.js";
import { ADMIN_PRINCIPAL } from "../../auth/principal.js";
import { ADMIN_BASE } from "../admin-env.js";
import type { HttpEnv } from "../../http/http-env.js";
import { wantsHtml } from "../wants-html.js";

// An admin action that runs an operation: started under the app's lock as the
// API starts it (409 if one runs), journaled with "admin" as the actor, and
// answered as soon as it runs on its own; its steps reach the page over
// /admin/events. A plain form post goes back to the dashboard instead.
export function startFromAdmin(
  build: (c: Context<HttpEnv>) => Operation | Promise<Operation>,
): Handler<HttpEnv> {
  return async function startAdminOperation(c) {
    const rt = c.var.adminApp;
    const { op, prepare, run } = await build(c);
    const { deployId } = await startOperation(rt, op, ADMIN_PRINCIPAL.who, undefined, prepare, run);
    if (wantsHtml(c)) return c.redirect(ADMIN_BASE, 303);
    return c.json({ deployId, op, app: rt.config.name }, 202);
  };
}

import type { Handler } from "hono";
import { HttpError } from "../../http-error.js";
import { newDeployId } from "../../runtime/deploy-id.js";
import { ADMIN_PRINCIPAL } from "../../auth/principal.js";
import { ADMIN_BASE } from "../admin-env.js";
import type { HttpEnv } from "../../http/http-env.js";
import { wantsHtml } from "../wants-html.js";

// POST /admin/apps/:app/hold and /release: the admin holds requests at the gate
// (to do something by hand) and lets them go again; journaled. Refused while an
// operation runs, which holds and releases by itself.
export function holdByHand(op: "hold" | "release"): Handler<HttpEnv> {
  return async function holdOrRelease(c) {
    const rt = c.var.adminApp;
    if (op === "hold" && rt.gate.mode === "socket") {
      // Holding there means stopping every server: not a button's job.
      throw new HttpError(
        409,
        "ERR_SOCKET_MODE",
        `hold refused: ${rt.config.name}'s gate is in socket mode, where its servers accept on the port themselves and the receiver holds nothing`,
      );
    }
    const busy = rt.lock.busy;
    if (busy) {
      throw new HttpError(
        409,
        "ERR_BUSY",
        `${op} refused: ${busy} is in progress for ${rt.config.name}; try again when it ends`,
      );
    }
    if (op === "hold") rt.gate.hold("admin");
    else rt.gate.release("admin");
    const deployId = newDeployId();
    const message = op === "hold" ? "requests held by hand" : "held requests released by hand";
    await rt.journal.append({
      deployId,
      app: rt.config.name,
      op,
      outcome: "ok",
      at: new Date().toISOString(),
      who: ADMIN_PRINCIPAL.who,
      message,
    });
    rt.log("info", `${message} (admin page)`);
    if (wantsHtml(c)) return c.redirect(ADMIN_BASE, 303);
    return c.json({ deployId, op, app: rt.config.name, held: rt.gate.stats().held });
  };
}

import type { MiddlewareHandler } from "hono";
import type { Receiver } from "../../receiver.js";
import { AdminError } from "../admin-error.js";
import type { AdminEnv } from "../admin-env.js";

// The app in the path, looked up by exact name; an unknown one is a 404 before
// anything else happens.
export function findApp(receiver: Receiver): MiddlewareHandler<AdminEnv> {
  return async function findAdminApp(c, next) {
    const name = c.req.param("app") ?? "";
    const runtime = receiver.apps.get(name);
    if (!runtime) {
      throw new AdminError(
        404,
        "ERR_UNKNOWN_APP",
        `no app named ${JSON.stringify(name.slice(0, 64))} is configured on this receiver`,
      );
    }
    c.set("adminApp", runtime);
    await next();
  };
}

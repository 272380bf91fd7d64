import type { MiddlewareHandler } from "hono";
import type { Receiver } from "../../receiver.js";
import { unknownApp } from "../../http-error.js";
import type { HttpEnv } from "../../http/http-env.js";

// The app in the path, looked up by exact name; an unknown one is a 404 before
// anything else happens.
export function findApp(receiver: Receiver): MiddlewareHandler<HttpEnv> {
  return async function findAdminApp(c, next) {
    const name = c.req.param("app") ?? "";
    const runtime = receiver.apps.get(name);
    if (!runtime) throw unknownApp(name);
    c.set("adminApp", runtime);
    await next();
  };
}

import type { HttpBindings } from "@hono/node-server";
import type { AppRuntime } from "../runtime/app-runtime.js";
import type { Session } from "./session/sessions.js";

declare module "hono" {
  interface ContextVariableMap {
    /** The admin cookie's session when it checks out (signed in or only the login form's). */
    adminSession: Session | undefined;
    /** The app named in an admin route's path. */
    adminApp: AppRuntime;
  }
}

/** The Hono environment of the admin page: node's request and response as bindings. */
export type AdminEnv = { Bindings: HttpBindings };

/** Where create-api.ts mounts the admin page; the cookie's Path and every link start here. */
export const ADMIN_BASE = "/admin";

/** Who the journal names for what is done on the admin page. */
export const ADMIN_WHO = { actor: "admin", admin: true } as const;

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

/** Where http/create-http.ts mounts the admin page; the cookie's Path and every link start here. */
export const ADMIN_BASE = "/admin";

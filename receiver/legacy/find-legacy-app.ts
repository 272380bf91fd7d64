import type { AppRuntime } from "../runtime/app-runtime.js";
import type { LegacyUser } from "./auth/legacy-sign-in.js";

export interface LegacyApp {
  rt: AppRuntime;
  /** The app's legacy.users, who may use its links. */
  users: LegacyUser[];
}

// The app a legacy link names, matched without regard to case like an IIS
// virtual directory (the config refuses two apps that differ only in case).
// Only apps with `legacy` configured have the links at all.
export function findLegacyApp(apps: Map<string, AppRuntime>, name: string): LegacyApp | undefined {
  const lower = name.toLowerCase();
  const rt =
    apps.get(name) ?? [...apps.values()].find((a) => a.config.name.toLowerCase() === lower);
  return rt?.config.legacy ? { rt, users: rt.config.legacy.users } : undefined;
}

import type { AppRuntime } from "../runtime/app-runtime.js";

// The app a legacy link names, matched without regard to case like an IIS
// virtual directory (the config refuses two apps that differ only in case).
// Only apps with `legacy` configured have the links at all.
export function findLegacyApp(apps: Map<string, AppRuntime>, name: string): AppRuntime | undefined {
  const lower = name.toLowerCase();
  const rt =
    apps.get(name) ?? [...apps.values()].find((a) => a.config.name.toLowerCase() === lower);
  return rt?.config.legacy ? rt : undefined;
}

import { isDeepStrictEqual } from "node:util";
import type { AppConfig, Config } from "../config/load-config.js";

// What a config reload changes (docs/design.md §7), key by key, so that it touches
// only what changed: an app whose resolved config is deep-equal is not touched at all.

/** Keys the app's running servers were started with: a change restarts them. */
const SERVER_KEYS = [
  "args",
  "env",
  "instances",
  "health",
  "stopTimeoutMs",
  "versionCommand",
] as const;
/** Keys the app's runtime is built around (its releases, staging, recovery): a change replaces it. */
const IDENTITY_KEYS = ["exeFile", "updateFile"] as const;
/** The gate's timeouts, given to its listener and router when the gate was made. */
const GATE_TIMEOUT_KEYS = [
  "headersTimeoutMs",
  "bodyIdleTimeoutMs",
  "bodyMinRate",
  "stallTimeoutMs",
] as const;

export interface AppChange {
  name: string;
  before: AppConfig;
  after: AppConfig;
  /** Changed keys of the servers, as "instances 2 → 3" or "env": restart them. */
  servers: string[];
  /** exeFile or updateFile moved: the app is stopped and started anew. */
  replace: string[];
  /** gate listen changed: the gate rebinds. */
  rebind: boolean;
  /** Gate timeouts changed: they apply at the receiver's next start (the listener has them). */
  gateTimeouts: string[];
  /** Everything else (strategy, drainTimeout, hold, keepReleases, auth…): applies at once. */
  other: string[];
}

export interface ConfigDiff {
  added: AppConfig[];
  removed: string[];
  changed: AppChange[];
  unchanged: string[];
  /** Top-level keys that changed (listen, tls, auth, admin, …). */
  top: string[];
}

export function diffConfig(before: Config, after: Config): ConfigDiff {
  const diff: ConfigDiff = { added: [], removed: [], changed: [], unchanged: [], top: [] };
  for (const name of before.apps.keys()) if (!after.apps.has(name)) diff.removed.push(name);
  for (const [name, app] of after.apps) {
    const old = before.apps.get(name);
    if (!old) diff.added.push(app);
    else if (isDeepStrictEqual(old, app)) diff.unchanged.push(name);
    else diff.changed.push(diffApp(old, app));
  }
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) {
    if (key === "apps" || key === "file") continue;
    const a = (before as unknown as Record<string, unknown>)[key];
    const b = (after as unknown as Record<string, unknown>)[key];
    if (!isDeepStrictEqual(a, b)) diff.top.push(key);
  }
  return diff;
}

function diffApp(before: AppConfig, after: AppConfig): AppChange {
  const differs = (a: unknown, b: unknown) => !isDeepStrictEqual(a, b);
  const describe = (key: string, a: unknown, b: unknown) =>
    typeof a === "number" || typeof a === "string" ? `${key} ${String(a)} → ${String(b)}` : key;
  const servers = SERVER_KEYS.filter((k) => differs(before[k], after[k])).map((k) =>
    describe(k === "stopTimeoutMs" ? "stopTimeout" : k, before[k], after[k]),
  );
  const replace = IDENTITY_KEYS.filter((k) => differs(before[k], after[k])).map((k) =>
    describe(k, before[k], after[k]),
  );
  const rebind = before.gate.host !== after.gate.host || before.gate.port !== after.gate.port;
  const gateTimeouts = GATE_TIMEOUT_KEYS.filter((k) => differs(before.gate[k], after.gate[k])).map(
    (k) => `gate.${k.replace(/Ms$/, "")}`,
  );
  const seen = new Set<string>([...SERVER_KEYS, ...IDENTITY_KEYS, "gate", "name"]);
  const other: string[] = (Object.keys({ ...before, ...after }) as (keyof AppConfig)[])
    .filter((k) => !seen.has(k) && differs(before[k], after[k]))
    .map((k) => (k === "drainTimeoutMs" ? "drainTimeout" : k));
  return { name: after.name, before, after, servers, replace, rebind, gateTimeouts, other };
}

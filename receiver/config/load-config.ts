import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse } from "yaml";
import {
  checkApps,
  checkAuth,
  checkCanary,
  checkManaged,
  checkSocketMode,
  checkTimeouts,
} from "./check-config.js";
import { ConfigError } from "./config-error.js";
import { expandEnv } from "./expand-env.js";
import { resolveApp, type AppConfig } from "./resolve-app.js";
import { configSchema, type RawConfig } from "./schema.js";
import { toConfigError } from "./to-config-error.js";

export type { AppConfig } from "./resolve-app.js";

export interface Config extends Omit<RawConfig, "apps" | "uploadIdleTimeout"> {
  file: string;
  uploadIdleTimeoutMs: number;
  /** Bytes per second an upload must keep up, measured over each uploadIdleTimeout. */
  uploadMinRate: number;
  apps: Map<string, AppConfig>;
}

// Reads, expands and validates the config; every path in it resolved from the
// config file's folder. Throws ConfigError with one line naming key and reason.
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      path,
      "",
      code === "ENOENT" ? "no such file (make one with: hotswap-receiver init)" : String(error),
    );
  }
  let doc: unknown;
  try {
    doc = parse(text, { prettyErrors: false });
  } catch (error) {
    throw new ConfigError(path, "", `not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
    throw new ConfigError(path, "", "expected a YAML mapping of keys");
  }
  const parsed = configSchema.safeParse(expandEnv(doc, path, env), { reportInput: true });
  if (!parsed.success) throw toConfigError(path, parsed.error);
  const config = resolvePaths(path, parsed.data);
  checkAuth(config);
  checkApps(config);
  checkTimeouts(config);
  checkCanary(config);
  checkSocketMode(config);
  checkManaged(config);
  return config;
}

function resolvePaths(file: string, raw: RawConfig): Config {
  const at = (p: string) => resolve(dirname(file), p);
  const apps = new Map<string, AppConfig>();
  for (const [name, app] of Object.entries(raw.apps)) apps.set(name, resolveApp(name, app, file));
  const { uploadIdleTimeout, ...rest } = raw;
  const keys = raw.auth.keys.map((k) => (k.publicKey ? { ...k, publicKey: at(k.publicKey) } : k));
  return {
    ...rest,
    file,
    data: at(raw.data),
    tls: raw.tls && { cert: at(raw.tls.cert), key: at(raw.tls.key) },
    uploadIdleTimeoutMs: uploadIdleTimeout,
    auth: { ...raw.auth, keys },
    apps,
  };
}

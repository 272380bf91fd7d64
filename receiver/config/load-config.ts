import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import {
  checkApps,
  checkAuth,
  checkCanary,
  checkManaged,
  checkNumbersAsText,
  checkPaths,
  checkSocketMode,
  checkTimeouts,
} from "./check-config.js";
import { ConfigError } from "./config-error.js";
import { ConfigSource } from "./config-source.js";
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
export function loadConfig(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  /** The command that writes a starting config, as the user started this one. */
  initCommand = "hotswap-receiver init",
): Config {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      path,
      "",
      code === "ENOENT" ? `no such file (make one with: ${initCommand})` : String(error),
    );
  }
  const source = new ConfigSource(path, text); // a YAML syntax error: its line and a caret
  const doc = source.data;
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
    throw new ConfigError(path, "", "expected a YAML mapping of keys, like the one init writes");
  }
  try {
    const parsed = configSchema.safeParse(expandEnv(doc, path, env), { reportInput: true });
    if (!parsed.success) throw toConfigError(path, parsed.error, source);
    checkNumbersAsText(source, parsed.data);
    const config = resolvePaths(path, parsed.data);
    checkAuth(config);
    checkApps(config);
    checkPaths(config);
    checkTimeouts(config);
    checkCanary(config);
    checkSocketMode(config);
    checkManaged(config);
    return config;
  } catch (error) {
    throw error instanceof ConfigError ? placed(error, source) : error;
  }
}

// A ConfigError about this file, at the line of its key (the key's parent when the key
// is missing), where the check that threw it knew only the key.
function placed(error: ConfigError, source: ConfigSource): ConfigError {
  if (error.place || error.file !== source.file || !error.key) return error;
  return error.at(source.find(error.key)?.place);
}

/**
 * The same for a ConfigError thrown after loading (a key file, the TLS certificate,
 * the data folder): the file is read again to find the key's line.
 */
export function withLine(error: ConfigError): ConfigError {
  if (error.place || !error.key) return error;
  try {
    return placed(error, new ConfigSource(error.file, readFileSync(error.file, "utf8")));
  } catch {
    return error;
  }
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

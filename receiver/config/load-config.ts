import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse } from "yaml";
import type { z } from "zod";
import { ConfigError } from "./config-error.js";
import { expandEnv } from "./expand-env.js";
import { configSchema, type RawApp, type RawConfig } from "./schema.js";

export interface AppConfig extends Omit<RawApp, "drainTimeout" | "stopTimeout"> {
  name: string;
  drainTimeoutMs: number;
  stopTimeoutMs: number;
}

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
  checkAuth(path, parsed.data);
  checkApps(path, parsed.data);
  return resolvePaths(path, parsed.data);
}

// What the schema alone cannot say: somebody must be able to deploy, and an
// app can narrow keyless deploys only where they are configured at all.
function checkAuth(file: string, raw: RawConfig): void {
  if (raw.auth.keys.length === 0 && !raw.auth.github) {
    throw new ConfigError(
      file,
      "auth",
      "configure at least one of auth.keys or auth.github, or nobody can deploy",
    );
  }
  for (const [name, app] of Object.entries(raw.apps)) {
    if (app.auth?.github && !raw.auth.github) {
      throw new ConfigError(
        file,
        `apps.${name}.auth.github`,
        "needs the global auth.github (its issuer and repositories) to narrow",
      );
    }
    for (const id of app.auth?.keys ?? []) {
      if (!raw.auth.keys.some((k) => k.id === id))
        throw new ConfigError(file, `apps.${name}.auth.keys`, `no key "${id}" in auth.keys`);
    }
  }
}

// Apps must not share the files or the port a swap works on, nor differ only
// in case (their data folders would collide on Windows and macOS).
function checkApps(file: string, raw: RawConfig): void {
  const here = dirname(file);
  const owners = new Map<string, string>();
  const claim = (what: string, key: string) => {
    const other = owners.get(what);
    if (other) throw new ConfigError(file, key, `is the same as ${other}; every app needs its own`);
    owners.set(what, key);
  };
  for (const [name, app] of Object.entries(raw.apps)) {
    const at = `apps.${name}`;
    claim(`name:${name.toLowerCase()}`, at);
    if (resolve(here, app.exeFile) === resolve(here, app.updateFile)) {
      throw new ConfigError(
        file,
        `${at}.updateFile`,
        "must differ from exeFile: uploads are staged there while exeFile runs",
      );
    }
    claim(`file:${resolve(here, app.exeFile)}`, `${at}.exeFile`);
    claim(`file:${resolve(here, app.updateFile)}`, `${at}.updateFile`);
    if (app.gate.port !== 0) claim(`port:${app.gate.port}`, `${at}.gate`);
  }
}

function resolvePaths(file: string, raw: RawConfig): Config {
  const here = dirname(file);
  const at = (p: string) => resolve(here, p);
  const apps = new Map<string, AppConfig>();
  for (const [name, app] of Object.entries(raw.apps)) {
    const { drainTimeout, stopTimeout, ...rest } = app;
    apps.set(name, {
      ...rest,
      name,
      exeFile: at(app.exeFile),
      updateFile: at(app.updateFile),
      drainTimeoutMs: drainTimeout,
      stopTimeoutMs: stopTimeout,
    });
  }
  const { uploadIdleTimeout, ...rest } = raw;
  const keys = raw.auth.keys.map((k) => (k.publicKey ? { ...k, publicKey: at(k.publicKey) } : k));
  return {
    ...rest,
    file,
    data: at(raw.data),
    uploadIdleTimeoutMs: uploadIdleTimeout,
    auth: { ...raw.auth, keys },
    apps,
  };
}

// The first issue zod found, as `key.path: reason` — one line, the one to fix first.
function toConfigError(file: string, error: z.ZodError): ConfigError {
  const issue = error.issues[0]!;
  const key = issue.path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
  if (issue.code === "unrecognized_keys") {
    const names = issue.keys.join(", ");
    return new ConfigError(
      file,
      key ? `${key}.${issue.keys[0]}` : issue.keys[0]!,
      `unknown key (${names}); check the spelling against the config reference in the README`,
    );
  }
  if (issue.code === "invalid_key") {
    return new ConfigError(file, key, issue.issues[0]?.message ?? issue.message);
  }
  if (issue.code === "invalid_type" && issue.input === undefined) {
    return new ConfigError(file, key, "required key is missing");
  }
  return new ConfigError(file, key, issue.message);
}

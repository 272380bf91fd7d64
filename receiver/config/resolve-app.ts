import { basename, dirname, isAbsolute, join, normalize, resolve } from "node:path";
import { ConfigError } from "./config-error.js";
import type { RawApp } from "./schema.js";
import { readWebConnection } from "./web-connection.js";
import type { ManagedSpec } from "../pool/managed-service.js";

export interface AppConfig extends Omit<
  RawApp,
  | "drainTimeout"
  | "stopTimeout"
  | "exeFile"
  | "updateFile"
  | "dir"
  | "exe"
  | "maxUnpackedSize"
  | "commands"
  | "upstream"
  | "health"
> {
  health: { path?: string; url?: string; timeout: number; settle: number };
  /** Servers managed elsewhere (commands:): driven by the service manager's commands. */
  managed?: ManagedSpec;
  name: string;
  /** The live build: the file, or a folder app's `current` link to its release folder. */
  exeFile: string;
  /** The staged build: the file, or a folder app's `staged` link to its release folder. */
  updateFile: string;
  /** A folder app's layout; absent for a single-file app. */
  folder?: FolderApp;
  /** Where exeFile and updateFile were set: the config file's name, or the `from` file's. */
  sources: { exeFile: string; updateFile: string };
  drainTimeoutMs: number;
  stopTimeoutMs: number;
}

/**
 * A folder app (docs/design.md "Folder apps"): each build is unpacked into
 * releases/<id>/ and `current` (exeFile) links to the live one, `staged` (updateFile)
 * to one uploaded and not yet swapped, so the swap renames one link over another.
 */
export interface FolderApp {
  dir: string;
  releases: string;
  /** The program, relative to a release. */
  exe: string;
  maxUnpackedBytes: number;
  maxFiles: number;
}

// One app with its paths made absolute. With `from:`, exeFile and updateFile
// come from the Web Connection config unless the app sets them itself.
export function resolveApp(name: string, raw: RawApp, configFile: string): AppConfig {
  const here = dirname(configFile);
  const at = `apps.${name}`;
  if (raw.dir !== undefined || raw.exe !== undefined)
    return resolveFolderApp(name, raw, configFile);
  const from = raw.from ? resolve(here, raw.from) : undefined;
  const found = from ? readWebConnection(from, configFile, `${at}.from`) : {};
  const pick = (key: "exeFile" | "updateFile") => {
    const own = raw[key];
    if (own) return { path: resolve(here, own), source: basename(configFile) };
    const theirs = found[key];
    if (theirs) return { path: theirs, source: basename(from!) };
    const hint = from
      ? ` (${basename(from)} does not set ${key === "exeFile" ? "ExeFile" : "UpdateFile"})`
      : "";
    throw new ConfigError(configFile, `${at}.${key}`, `required key is missing${hint}`);
  };
  const exe = pick("exeFile");
  const update = pick("updateFile");
  for (const key of ["maxUnpackedSize"] as const) {
    if (raw[key] !== undefined)
      throw new ConfigError(configFile, `${at}.${key}`, "is for folder apps (dir: and exe:) only");
  }
  const managed = resolveManaged(raw, configFile, at);
  return {
    ...common(name, raw),
    ...(managed ? { managed } : {}),
    exeFile: exe.path,
    updateFile: update.path,
    sources: { exeFile: exe.source, updateFile: update.source },
  };
}

// commands: and upstream: go together; health.url belongs to them too.
function resolveManaged(raw: RawApp, configFile: string, at: string): ManagedSpec | undefined {
  const refuse = (key: string, why: string): never => {
    throw new ConfigError(configFile, `${at}.${key}`, why);
  };
  const { commands, upstream, health } = raw;
  if (!commands) {
    if (upstream)
      refuse("upstream", "is for servers managed elsewhere: set commands: {stop, start} too");
    if (health.url)
      refuse(
        "health.url",
        "is for servers managed elsewhere (commands:); the receiver's own servers use health.path",
      );
    return undefined;
  }
  if (!upstream)
    return refuse(
      "upstream",
      "required with commands: where the service answers, like http://127.0.0.1:8081",
    );
  const origin = upstream.origin;
  if (upstream.pathname !== "/" || upstream.search)
    refuse("upstream", `must be the service's origin, like ${origin}, without a path`);
  const healthUrl = health.url?.href ?? (health.path ? `${origin}${health.path}` : undefined);
  return {
    stop: commands.stop,
    start: commands.start,
    upstream: origin,
    ...(healthUrl ? { healthUrl } : {}),
  };
}

// dir: and exe: instead of exeFile/updateFile (and not with from:, which names files).
function resolveFolderApp(name: string, raw: RawApp, configFile: string): AppConfig {
  const at = `apps.${name}`;
  for (const key of ["exeFile", "updateFile", "from"] as const) {
    if (raw[key] !== undefined)
      throw new ConfigError(
        configFile,
        `${at}.${key}`,
        "a folder app (dir:) has no " + key + ": its builds live in dir/releases",
      );
  }
  if (raw.dir === undefined)
    throw new ConfigError(
      configFile,
      `${at}.dir`,
      "required key is missing (exe: is given: a folder app needs both)",
    );
  if (raw.exe === undefined)
    throw new ConfigError(
      configFile,
      `${at}.exe`,
      "required key is missing: the program inside a release, like bin/server",
    );
  if (isAbsolute(raw.exe) || normalize(raw.exe).split(/[\\/]/).includes(".."))
    throw new ConfigError(
      configFile,
      `${at}.exe`,
      `must be a path inside the release, like bin/server, not ${JSON.stringify(raw.exe)}`,
    );
  for (const key of ["commands", "upstream"] as const) {
    if (raw[key] !== undefined)
      throw new ConfigError(
        configFile,
        `${at}.${key}`,
        "servers managed elsewhere are for single-file apps (exeFile, updateFile), not folder apps",
      );
  }
  const dir = resolve(dirname(configFile), raw.dir);
  return {
    ...common(name, raw),
    exeFile: join(dir, "current"),
    updateFile: join(dir, "staged"),
    folder: {
      dir,
      releases: join(dir, "releases"),
      exe: normalize(raw.exe),
      maxUnpackedBytes: raw.maxUnpackedSize ?? 4 * raw.maxUploadSize,
      maxFiles: raw.maxFiles,
    },
    sources: { exeFile: basename(configFile), updateFile: basename(configFile) },
  };
}

// The keys both kinds of app keep as they are, and the two durations renamed to ms.
function common(name: string, raw: RawApp) {
  const {
    drainTimeout,
    stopTimeout,
    exeFile: _e,
    updateFile: _u,
    dir: _d,
    exe: _x,
    maxUnpackedSize: _m,
    commands: _c,
    upstream: _up,
    health: { url, ...health },
    ...rest
  } = raw;
  return {
    ...rest,
    health: { ...health, ...(url ? { url: url.href } : {}) },
    name,
    drainTimeoutMs: drainTimeout,
    stopTimeoutMs: stopTimeout,
  };
}

import { basename, dirname, isAbsolute, join, normalize, resolve } from "node:path";
import { ConfigError } from "./config-error.js";
import type { RawApp } from "./schema.js";
import { readWebConnection } from "./web-connection.js";

export interface AppConfig extends Omit<
  RawApp,
  "drainTimeout" | "stopTimeout" | "exeFile" | "updateFile" | "dir" | "exe" | "maxUnpackedSize"
> {
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
  return {
    ...common(name, raw),
    exeFile: exe.path,
    updateFile: update.path,
    sources: { exeFile: exe.source, updateFile: update.source },
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
  if (process.platform === "win32")
    throw new ConfigError(
      configFile,
      `${at}.dir`,
      "folder apps are not built for Windows yet (the swap needs a directory junction there)",
    );
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
    ...rest
  } = raw;
  return { ...rest, name, drainTimeoutMs: drainTimeout, stopTimeoutMs: stopTimeout };
}

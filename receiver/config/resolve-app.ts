import { basename, dirname, resolve } from "node:path";
import { ConfigError } from "./config-error.js";
import type { RawApp } from "./schema.js";
import { readWebConnection } from "./web-connection.js";

export interface AppConfig extends Omit<
  RawApp,
  "drainTimeout" | "stopTimeout" | "exeFile" | "updateFile"
> {
  name: string;
  exeFile: string;
  updateFile: string;
  /** Where exeFile and updateFile were set: the config file's name, or the `from` file's. */
  sources: { exeFile: string; updateFile: string };
  drainTimeoutMs: number;
  stopTimeoutMs: number;
}

// One app with its paths made absolute. With `from:`, exeFile and updateFile
// come from the Web Connection config unless the app sets them itself.
export function resolveApp(name: string, raw: RawApp, configFile: string): AppConfig {
  const here = dirname(configFile);
  const at = `apps.${name}`;
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
  const { drainTimeout, stopTimeout, exeFile: _e, updateFile: _u, ...rest } = raw;
  return {
    ...rest,
    name,
    exeFile: exe.path,
    updateFile: update.path,
    sources: { exeFile: exe.source, updateFile: update.source },
    drainTimeoutMs: drainTimeout,
    stopTimeoutMs: stopTimeout,
  };
}

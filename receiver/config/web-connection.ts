import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { ConfigError } from "./config-error.js";
import { whyUnreadable } from "./why-unreadable.js";
import { readWebConfig } from "./read-web-config.js";

export interface WebConnectionPaths {
  exeFile?: string;
  updateFile?: string;
}

// Web Connection users already name their exe and its upload target: in
// web.config (<webConnectionConfiguration><add key="ExeFile" value="~\..\x.exe"/>,
// `~` being the web.config's folder) or in wc.ini ([Main] ExeFile=C:\…).
// `from:` reads them so the two configs cannot drift apart.
export function readWebConnection(
  file: string,
  configFile: string,
  key: string,
): WebConnectionPaths {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(configFile, key, `cannot read ${file}: ${whyUnreadable(error)}`);
  }
  const values = /\.ini$/i.test(file) ? iniMain(text) : webConfig(text, file, configFile, key);
  const folder = dirname(file);
  const path = (value: string | undefined) => value && windowsPath(value, folder, configFile, key);
  return { exeFile: path(values.get("exefile")), updateFile: path(values.get("updatefile")) };
}

function webConfig(
  text: string,
  file: string,
  configFile: string,
  key: string,
): Map<string, string> {
  const read = readWebConfig(text);
  if ("error" in read) {
    throw new ConfigError(configFile, key, `${file} is not valid XML: ${read.error}`);
  }
  return read.values;
}

function iniMain(text: string): Map<string, string> {
  const values = new Map<string, string>();
  let section = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith(";") || line.startsWith("#")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1]!.trim().toLowerCase();
    else if (section === "main" && line.includes("=")) {
      const at = line.indexOf("=");
      values.set(line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim());
    }
  }
  return values;
}

// `~\..\deploy\wcdemo.exe` and `C:\wconnect\wcdemo.exe` on Windows; backslashes
// work on Linux too, where a drive letter cannot mean anything and is refused.
function windowsPath(value: string, folder: string, configFile: string, key: string): string {
  let path = value.trim();
  if (path.startsWith("~")) path = folder + path.slice(1);
  if (process.platform !== "win32") {
    if (/^[A-Za-z]:[\\/]/.test(path)) {
      throw new ConfigError(
        configFile,
        key,
        `${value} is a Windows drive path and this server is not Windows; set exeFile and updateFile in the app instead`,
      );
    }
    path = path.replaceAll("\\", "/");
  }
  return isAbsolute(path) ? resolve(path) : resolve(folder, path);
}

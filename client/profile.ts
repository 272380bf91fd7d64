import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "./usage-error.js";

/** One named receiver of a client profile: every key optional, flags and env go first. */
export interface ProfileEntry {
  url?: string;
  app?: string;
  keyId?: string;
  /** A file holding the key; relative to the profile's folder. Never the key itself. */
  keyFile?: string;
  audience?: string;
  /** The artifact deploy and upload send when no --file is given; relative to the profile. */
  file?: string;
}

export interface Profile {
  path: string;
  default?: string;
  receivers: Record<string, ProfileEntry>;
}

export const PROFILE_FILES = [".hotswap.json", "hotswap.yaml", "hotswap.yml"];
const ENTRY_KEYS: readonly string[] = ["url", "app", "keyId", "keyFile", "audience", "file"];

// The client profile in the working directory: the receivers a project deploys to, by
// name, so `hotswap deploy --to production` needs nothing else but the key. A hotswap.yaml
// that is a receiver's config (no `receivers:`, but `apps:` or `listen:`) is not one.
export async function readProfile(cwd: string): Promise<Profile | undefined> {
  for (const name of PROFILE_FILES) {
    const path = join(cwd, name);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, "utf8");
    const data = name.endsWith(".json") ? parseJson(text, path) : await parseYaml(text, path);
    if (!isObject(data)) throw new UsageError(`${path}: expected an object with "receivers"`);
    if (!("receivers" in data) && !name.endsWith(".json") && ("apps" in data || "listen" in data))
      continue;
    return check(data, path);
  }
  return undefined;
}

function check(data: Record<string, unknown>, path: string): Profile {
  for (const key of Object.keys(data))
    if (key !== "receivers" && key !== "default")
      throw new UsageError(`${path}: unknown key "${key}" (expected "receivers" and "default")`);
  const receivers = data["receivers"];
  if (!isObject(receivers) || Object.keys(receivers).length === 0)
    throw new UsageError(`${path}: "receivers" must name at least one receiver`);
  const base = dirname(resolve(path));
  const entries: Record<string, ProfileEntry> = {};
  for (const [name, entry] of Object.entries(receivers)) {
    if (!isObject(entry)) throw new UsageError(`${path}: receivers.${name} must be an object`);
    for (const [key, value] of Object.entries(entry)) {
      if (key === "key")
        throw new UsageError(
          `${path}: receivers.${name}.key: a key does not belong in a profile that may be committed; put it in a file and name it with keyFile, or set HOTSWAP_KEY`,
        );
      if (!ENTRY_KEYS.includes(key))
        throw new UsageError(
          `${path}: receivers.${name}: unknown key "${key}" (expected ${ENTRY_KEYS.join(", ")})`,
        );
      if (typeof value !== "string" || !value)
        throw new UsageError(`${path}: receivers.${name}.${key} must be a non-empty string`);
    }
    const e = entry as ProfileEntry;
    entries[name] = {
      ...e,
      ...(e.keyFile ? { keyFile: resolve(base, expandHome(e.keyFile)) } : {}),
      ...(e.file ? { file: resolve(base, e.file) } : {}),
    };
  }
  const fallback = data["default"];
  if (fallback !== undefined && (typeof fallback !== "string" || !(fallback in entries)))
    throw new UsageError(
      `${path}: default "${String(fallback)}" is not one of the receivers (${Object.keys(entries).join(", ")})`,
    );
  return { path, receivers: entries, ...(fallback ? { default: fallback } : {}) };
}

function expandHome(path: string): string {
  const home = process.env["HOME"] ?? process.env["USERPROFILE"];
  return home && /^~[/\\]/.test(path) ? join(home, path.slice(2)) : path;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path}: not valid JSON (${(error as Error).message})`);
  }
}

// yaml is loaded only when a YAML profile is there, so a plain `hotswap --help` does not pay for it.
async function parseYaml(text: string, path: string): Promise<unknown> {
  const { parse } = await import("yaml");
  try {
    return parse(text);
  } catch (error) {
    throw new UsageError(`${path}: not valid YAML (${(error as Error).message.split("\n")[0]})`);
  }
}

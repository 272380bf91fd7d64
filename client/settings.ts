import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { appName } from "../api-client/app-name.js";
import type { Operation, Target } from "../api-client/call.js";
import { receiverUrl } from "../api-client/receiver-url.js";
import { signingKey } from "../api-client/signing-key.js";
import { OPS, type Op } from "../receiver/protocol.js";
import type { Command } from "./help.js";
import { readProfile, PROFILE_FILES, type ProfileEntry } from "./profile.js";
import type { Redactor } from "./redact.js";
import { UsageError } from "./usage-error.js";

/** Everything one run was asked to do, read once from flags, environment and profile. */
export interface Settings extends Target {
  command: Command;
  json: boolean;
  /** Undefined for logs --follow, which runs until interrupted. */
  timeoutMs: number | undefined;
  /** Absolute path of the artifact: deploy, upload, and a token for either. */
  file?: string | undefined;
  force: boolean;
  rollbackTo?: string | undefined;
  limit: number;
  follow: boolean;
  instance?: number | undefined;
  lines?: number | undefined;
  /** token: the operation the token is for, and the artifact's digest when given as such. */
  op?: Op | undefined;
  sha256?: string | undefined;
}

const RECEIVER_FLAGS = {
  url: { type: "string" },
  app: { type: "string" },
  key: { type: "string" },
  "key-file": { type: "string" },
  "key-id": { type: "string" },
  audience: { type: "string" },
  receiver: { type: "string", short: "r" },
  to: { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} satisfies ParseArgsConfig["options"];

const FLAGS: Record<Command, ParseArgsConfig["options"]> = {
  deploy: { file: { type: "string", short: "f" }, force: { type: "boolean" } },
  upload: { file: { type: "string", short: "f" } },
  swap: { force: { type: "boolean" } },
  rollback: {},
  promote: {},
  abort: {},
  status: {},
  history: { limit: { type: "string" } },
  logs: { follow: { type: "boolean" }, instance: { type: "string" }, lines: { type: "string" } },
  token: {
    op: { type: "string" },
    file: { type: "string", short: "f" },
    sha256: { type: "string" },
  },
};

/** Options a command takes; what --help is answered from. */
export function parseFlags(command: Command, args: string[]) {
  try {
    return parseArgs({
      args,
      options: { ...RECEIVER_FLAGS, ...FLAGS[command] },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message.split("\n")[0]!.replace(/\. To specify.*$/, ""));
  }
}

type Values = Record<string, string | boolean | undefined>;

// Flags first, then HOTSWAP_* in the environment, then the profile in the working folder.
// Every value is checked here, with the bad value quoted (never the key's), so a typo fails
// before a byte is uploaded.
export async function getSettings(
  command: Command,
  values: Values,
  positionals: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  redactor: Redactor,
): Promise<Settings> {
  const flag = (name: string) => values[name] as string | undefined;
  if (flag("key") !== undefined)
    throw new UsageError(
      "--key is not accepted: a key on the command line is seen by every user of this machine (ps, shell history); use --key-file FILE or HOTSWAP_KEY",
    );
  const takesFile = command === "deploy" || command === "upload";
  if (positionals.length > (takesFile ? 1 : 0))
    throw new UsageError(`unexpected argument "${positionals[takesFile ? 1 : 0]}"`);
  const rollbackTo = command === "rollback" ? flag("to") : undefined;
  const name = flag("receiver") ?? (command === "rollback" ? undefined : flag("to"));
  const entry = await profileEntry(name, cwd);
  const pick = (flagName: string, envName: string, key: keyof ProfileEntry) =>
    flag(flagName) ?? (env[envName] || undefined) ?? entry[key];
  const where = entry === NONE ? "" : " (or in the profile)";
  const url = pick("url", "HOTSWAP_URL", "url");
  if (!url) throw new UsageError(`no receiver: give --url URL or set HOTSWAP_URL${where}`);
  const app = pick("app", "HOTSWAP_APP", "app");
  if (!app) throw new UsageError(`no app: give --app NAME or set HOTSWAP_APP${where}`);
  const base = receiverUrl(url);
  const keyText = readKey(flag("key-file"), env, entry.keyFile, redactor);
  const op = command === "token" ? tokenOp(flag("op")) : undefined;
  if (!keyText && !env["ACTIONS_ID_TOKEN_REQUEST_URL"])
    throw new UsageError(
      'no key: set HOTSWAP_KEY to the key, or give --key-file FILE (HOTSWAP_KEY_FILE, or keyFile in the profile); in a GitHub Actions job, "permissions: id-token: write" lets it use OIDC instead',
    );
  const fileArg = takesFile || command === "token" ? (positionals[0] ?? flag("file")) : undefined;
  const file = fileArg ? resolve(cwd, fileArg) : takesFile ? entry.file : undefined;
  if (takesFile && !file)
    throw new UsageError(`${command} needs the artifact: hotswap ${command} FILE`);
  if (file) checkFile(file);
  const sha256 = flag("sha256");
  if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256))
    throw new UsageError(`--sha256 "${sha256}" is not 64 lowercase hex digits`);
  if (op && (op === "deploy" || op === "upload") && !file && !sha256)
    throw new UsageError(
      `a ${op} token is bound to the artifact: give --file FILE or --sha256 HEX`,
    );
  const follow = values["follow"] === true;
  return {
    command,
    url: base,
    app: appName(app),
    key: keyText ? signingKey(keyText) : undefined,
    keyId: pick("key-id", "HOTSWAP_KEY_ID", "keyId") ?? "ci",
    audience: pick("audience", "HOTSWAP_AUDIENCE", "audience") ?? base,
    json: values["json"] === true,
    timeoutMs: follow ? undefined : seconds(flag("timeout") ?? "900") * 1000,
    file,
    force: values["force"] === true,
    rollbackTo,
    limit: whole("--limit", flag("limit") ?? "10", 1, 20),
    follow,
    instance:
      flag("instance") === undefined ? undefined : whole("--instance", flag("instance")!, 0, 999),
    lines: flag("lines") === undefined ? undefined : whole("--lines", flag("lines")!, 0, 100_000),
    op,
    sha256,
  };
}

const NONE: ProfileEntry = {};

// The named receiver, the profile's default, or its only one; none when there is no
// profile. A name that the profile lacks is an error that lists the names it has.
async function profileEntry(name: string | undefined, cwd: string): Promise<ProfileEntry> {
  const profile = await readProfile(cwd);
  if (!profile) {
    if (name)
      throw new UsageError(
        `no profile here to find receiver "${name}" in: write ${PROFILE_FILES[0]} or ${PROFILE_FILES[1]} in ${cwd} (see hotswap --help)`,
      );
    return NONE;
  }
  const names = Object.keys(profile.receivers);
  const chosen = name ?? profile.default ?? (names.length === 1 ? names[0] : undefined);
  if (chosen === undefined) return NONE;
  const entry = profile.receivers[chosen];
  if (!entry)
    throw new UsageError(
      `${profile.path} has no receiver "${chosen}" (it has ${names.join(", ")})`,
    );
  return entry;
}

// The key: --key-file, else HOTSWAP_KEY, else HOTSWAP_KEY_FILE, else the profile's
// keyFile. Registered at once to be cut from all output.
function readKey(
  flagFile: string | undefined,
  env: NodeJS.ProcessEnv,
  profileFile: string | undefined,
  redactor: Redactor,
): string | undefined {
  let text = env["HOTSWAP_KEY"];
  const file = flagFile ?? (text ? undefined : env["HOTSWAP_KEY_FILE"] || profileFile);
  if (file) {
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new UsageError(
        `key file ${file}: ${(error as NodeJS.ErrnoException).code ?? "unreadable"}`,
      );
    }
  }
  if (text === undefined || text.trim() === "") return undefined;
  redactor.add(text);
  return text.trim();
}

function checkFile(file: string): void {
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    throw new UsageError(`file ${file} does not exist`);
  }
  if (!isFile)
    throw new UsageError(
      `${file} is a folder, not a file: archive it first (tar czf app.tar.gz -C ${file} .) and deploy the archive to a folder app`,
    );
}

function tokenOp(op: string | undefined): Op {
  const allowed = OPS.filter((o) => o !== "admin");
  if (!op) throw new UsageError(`token needs --op, one of ${allowed.join(", ")}`);
  if (!(allowed as string[]).includes(op))
    throw new UsageError(`--op "${op}" is not one of ${allowed.join(", ")}`);
  return op as Op;
}

function seconds(text: string): number {
  if (!/^[1-9][0-9]{0,5}$/.test(text))
    throw new UsageError(`--timeout "${text}" is not a whole number of seconds from 1 to 999999`);
  return Number(text);
}

function whole(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw new UsageError(`${name} "${text}" is not a whole number from ${min} to ${max}`);
  return n;
}

export type { Operation };

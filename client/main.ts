import { Writable } from "node:stream";
import { HttpError } from "../api-client/http-error.js";
import { timeoutMessage } from "../api-client/outcome.js";
import { VERSION } from "../api-client/send.js";
import { cliSigner } from "./cli-client.js";
import type { CommandRun } from "./command-run.js";
import { Failure } from "./failure.js";
import { COMMANDS, help, type Command } from "./help.js";
import { logs } from "./logs.js";
import { operate } from "./operate.js";
import { Redactor } from "./redact.js";
import { getSettings, parseFlags, type Settings } from "./settings.js";
import { status } from "./status.js";
import { terminal } from "./terminal.js";
import { token } from "./token.js";

export interface Io {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const RUN: Record<Command, (run: CommandRun) => Promise<void>> = {
  deploy: operate,
  upload: operate,
  swap: operate,
  rollback: operate,
  promote: operate,
  abort: operate,
  status,
  history: status,
  logs,
  token,
};

// The one place that turns an outcome into an exit status: 0 done, 1 refused or failed
// (the receiver's code and message on stderr), 2 bad usage (nothing was sent).
export async function main(args: string[], io: Io): Promise<number> {
  const redactor = new Redactor();
  const say = (text: string) => io.stderr.write(`${redactor.redact(text)}\n`);
  const [first, ...rest] = args;
  if (first === "--version" || first === "-v") return (void io.stdout.write(`${VERSION}\n`), 0);
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    const topic = rest[0] as Command | undefined;
    const known = topic && (COMMANDS as readonly string[]).includes(topic);
    (first === undefined ? say : (t: string) => io.stdout.write(`${t}\n`))(
      help(known ? topic : undefined),
    );
    return first === undefined ? 2 : 0;
  }
  if (!(COMMANDS as readonly string[]).includes(first)) {
    say(`hotswap: unknown command "${first}" (one of ${COMMANDS.join(", ")})\nsee: hotswap --help`);
    return 2;
  }
  const command = first as Command;
  let settings: Settings;
  try {
    const { values, positionals } = parseFlags(command, rest);
    if (values.help) return (void io.stdout.write(`${help(command)}\n`), 0);
    settings = await getSettings(command, values, positionals, io.env, io.cwd, redactor);
  } catch (error) {
    say(`hotswap ${command}: ${(error as Error).message}\nsee: hotswap ${command} --help`);
    return 2;
  }
  const live = io.stdout.isTTY === true && !settings.json && io.env["TERM"] !== "dumb";
  const color = live && !io.env["NO_COLOR"];
  const screen = settings.json ? new Writable({ write: (_c, _e, done) => done() }) : io.stdout;
  const out = terminal(screen, { live, color, redactor });
  const signal = settings.timeoutMs
    ? AbortSignal.timeout(settings.timeoutMs)
    : new AbortController().signal;
  try {
    const signer = cliSigner(io.env, redactor);
    await RUN[command]({ settings, out, signer, stdout: io.stdout, signal });
    return 0;
  } catch (error) {
    out.stop();
    say(`hotswap ${command}: ${describe(error, settings, signal)}`);
    if (settings.json && !(error instanceof Failure))
      io.stdout.write(`${JSON.stringify(errorLine(error, redactor))}\n`);
    return 1;
  } finally {
    out.stop();
  }
}

// A refusal with the receiver's code and what to check; a timeout naming --timeout.
function describe(error: unknown, settings: Settings, signal: AbortSignal): string {
  if (signal.aborted) return timeoutMessage(error, (settings.timeoutMs ?? 0) / 1000, "--timeout");
  if (!(error instanceof HttpError)) return error instanceof Error ? error.message : String(error);
  const what = `${settings.command} of ${settings.app} refused`;
  const head = `${what}: ${error.status}${error.code ? ` ${error.code}` : ""}: ${error.reason}`;
  const hint = HINTS[error.status];
  return hint ? `${head}\n${hint(settings)}` : head;
}

const HINTS: Record<number, (s: Settings) => string> = {
  401: (s) =>
    `the receiver did not accept the token: check that the key (HOTSWAP_KEY or --key-file) is the one its config holds for key id "${s.keyId}", and that --audience matches its audience (now ${s.audience})`,
  403: (s) =>
    `the key "${s.keyId}" may not do ${s.command} on ${s.app}: see the app's auth: in the receiver's config`,
  404: (s) => `the receiver has no app "${s.app}" (or is not at ${s.url}): see its config's apps:`,
  413: () => "the artifact is larger than the app's maxUploadSize in the receiver's config",
};

function errorLine(error: unknown, redactor: Redactor) {
  const message = redactor.redact(error instanceof Error ? error.message : String(error));
  if (error instanceof HttpError)
    return {
      type: "error",
      status: error.status,
      error: { code: error.code ?? `HTTP_${error.status}`, message: redactor.redact(error.reason) },
    };
  return { type: "error", error: { code: "ERR_CLIENT", message } };
}

// First: on a Node too old for the rest, say so before any of it runs.
import "./node-check.js";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { hashPasswordCommand } from "./commands/hash-password.js";
import { init } from "./commands/init.js";
import { keygen } from "./commands/keygen.js";
import { serve } from "./commands/serve.js";
import { ConfigError } from "./config/config-error.js";
import { withLine } from "./config/load-config.js";
import { VERSION } from "./version.js";

const HELP = `hotswap-receiver ${VERSION}: puts new builds of a server executable live without a failed request

Usage:
  hotswap-receiver --config FILE          run the receiver (API, gates, servers)
  hotswap-receiver init [--config FILE] [--force]
                                          write a commented starter config with a fresh secret
  hotswap-receiver keygen [--ed25519 | --es256] [--out NAME]
                                          print an HS256 secret, or write/print a key pair
  hotswap-receiver hash-password          read a password on stdin, print its scrypt hash
  hotswap-receiver --help | --version

Options:
  -c, --config FILE   config file (default: hotswap.yaml)
  -h, --help          this text
  -v, --version       the version

Exit codes: 0 ok, 1 runtime error, 2 bad config or usage.
`;

// The one entry point of dist/receiver/cli.mjs: parse, dispatch, and turn every
// failure into one clear line and an exit code.
async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: "string", short: "c", default: "hotswap.yaml" },
      force: { type: "boolean" },
      ed25519: { type: "boolean" },
      es256: { type: "boolean" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
  const [command = "serve", ...rest] = positionals;
  if (values.help) return void process.stdout.write(HELP);
  if (values.version) return void process.stdout.write(`${VERSION}\n`);
  if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}"`);
  switch (command) {
    case "serve":
      // A missing config names the init that makes it, as this receiver was started.
      return serve(
        values.config,
        `${invokedAs()} init${values.config === "hotswap.yaml" ? "" : ` -c ${values.config}`}`,
      );
    case "init":
      return void process.stdout.write(init(values.config, values.force ?? false, invokedAs()));
    case "keygen":
      if (values.ed25519 && values.es256)
        throw new UsageError("choose one of --ed25519 and --es256");
      return void process.stdout.write(
        keygen(values.ed25519 ? "ed25519" : values.es256 ? "es256" : "secret", values.out),
      );
    case "hash-password":
      return void process.stdout.write(await hashPasswordCommand());
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

// The command that started this receiver, for a line that tells the user what to run next:
// `hotswap-receiver` through the README's link (or npm's), else `node` and the file's path.
function invokedAs(script = process.argv[1] ?? "cli.mjs"): string {
  if (/^hotswap-receiver$/.test(basename(script))) return "hotswap-receiver";
  return `node ${/\s/.test(script) ? JSON.stringify(script) : script}`;
}

main(process.argv.slice(2)).catch((error: Error) => {
  const usage =
    error instanceof UsageError ||
    (error as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS");
  if (error instanceof ConfigError) error = withLine(error); // a key file's, a certificate's
  const excerpt = error instanceof ConfigError && error.excerpt ? `\n${error.excerpt}` : "";
  process.stderr.write(
    `hotswap-receiver: ${error.message}${excerpt}${usage ? "\nSee: hotswap-receiver --help" : ""}\n`,
  );
  process.exit(error instanceof ConfigError || usage ? 2 : 1);
});

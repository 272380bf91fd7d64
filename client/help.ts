// What `hotswap --help` and `hotswap COMMAND --help` print: each command with its flags
// and an example a user can copy.

export const COMMANDS = [
  "deploy",
  "upload",
  "swap",
  "rollback",
  "promote",
  "abort",
  "status",
  "history",
  "logs",
  "token",
] as const;
export type Command = (typeof COMMANDS)[number];

const RECEIVER = `Receiver (flags first, then the environment, then the profile):
  --url URL          the receiver's base URL            HOTSWAP_URL
  --app NAME         the app in the receiver's config   HOTSWAP_APP
  --key-file FILE    file holding the signing key       HOTSWAP_KEY (the key itself), HOTSWAP_KEY_FILE
  --key-id ID        the key's id in the receiver's config (default ci)   HOTSWAP_KEY_ID
  --audience AUD     the receiver's audience (default: the url)           HOTSWAP_AUDIENCE
  --to NAME, -r NAME a receiver named in .hotswap.json or hotswap.yaml here
                     (with rollback, --to is the release: use --receiver NAME, -r NAME)
  --timeout SECONDS  give up after this long, retries included (default 900)
  --json             print the receiver's answer as it came (NDJSON or JSON), nothing else
  -h, --help         this help
With no key in a GitHub Actions job that has "permissions: id-token: write", a GitHub
OIDC token is used instead.`;

const TEXT: Record<Command | "main", string> = {
  main: `hotswap: put a new build live on a Hotswap receiver, and look after it

Usage: hotswap COMMAND [flags]

Commands:
  deploy FILE         upload FILE and swap it in (hold, unload, swap, reload, release)
  upload FILE         stage FILE as the update file, like the seed's upload link
  swap                put the staged file live, like the seed's UpdateExe link
  rollback [--to ID]  go back to a kept release (default: the one before)
  promote | abort     end the watch or canary of a deploy: keep its build, or roll it back
  status              the live and staged versions, servers, hold and releases
  history             the last operations from the receiver's journal
  logs [--follow]     what the app's servers printed
  token --op OP       print a short-lived token for curl

Run "hotswap COMMAND --help" for a command's flags and examples.
Exit status: 0 done, 1 refused or failed (the receiver's code and message are printed),
2 bad usage.

Example:
  export HOTSWAP_KEY="$(cat ~/.hotswap/ci.key)"
  hotswap deploy build/webdemo.exe --url https://deploy.example.com --app webdemo`,
  deploy: `Usage: hotswap deploy FILE [flags]

Uploads FILE and swaps it in under a hold: every step and its time is printed as the
receiver reports it, and the build is rolled back when its servers fail their health check.

  --file FILE, -f    the artifact (instead of the FILE argument; a profile may name one)
  --force            swap even when FILE is the live build already

${RECEIVER}

Examples:
  hotswap deploy build/webdemo.exe --url https://deploy.example.com --app webdemo --key-file ci.key
  HOTSWAP_KEY=... hotswap deploy --to production build/webdemo.exe`,
  upload: `Usage: hotswap upload FILE [flags]

Stages FILE as the app's update file without swapping it (then: hotswap swap).

  --file FILE, -f    the artifact (instead of the FILE argument)

${RECEIVER}

Example:
  hotswap upload build/webdemo.exe --to production && hotswap swap --to production`,
  swap: `Usage: hotswap swap [flags]

Puts the staged update file live under a hold, like the seed's UpdateExe link.

  --force            swap even when the staged file is the live build already

${RECEIVER}

Example:
  hotswap swap --url https://deploy.example.com --app webdemo`,
  rollback: `Usage: hotswap rollback [--to ID] [flags]

Swaps back to a kept release: the one before the live one, or the release ID
(hotswap status lists them).

  --to ID            the release to go back to
  --receiver NAME, -r NAME   a receiver named in the profile

${RECEIVER}

Examples:
  hotswap rollback -r production
  hotswap rollback --to 20240501T101500Z-3e0bee425268 --url https://deploy.example.com --app webdemo`,
  promote: `Usage: hotswap promote [flags]

Ends the watch or canary of the deploy under way now, keeping its build.

${RECEIVER}

Example:
  hotswap promote --to production`,
  abort: `Usage: hotswap abort [flags]

Ends the watch or canary of the deploy under way now and rolls it back.

${RECEIVER}

Example:
  hotswap abort --to production`,
  status: `Usage: hotswap status [flags]

Shows the live and staged versions, each server, the hold and the kept releases.

${RECEIVER}

Example:
  hotswap status --to production --json | jq .current`,
  history: `Usage: hotswap history [--limit N] [flags]

Lists the app's last operations from the receiver's journal, newest first.

  --limit N          how many (1 to 20, default 10; the receiver reports the last 20)

${RECEIVER}

Example:
  hotswap history --limit 5 --to production`,
  logs: `Usage: hotswap logs [--follow] [--instance N] [flags]

Prints the newest lines the app's servers wrote, and with --follow every new one until
interrupted (Ctrl-C).

  --follow           keep printing new lines
  --instance N       only server N's lines
  --lines N          how many of the newest lines first (default 100)

${RECEIVER}

Example:
  hotswap logs --follow --instance 0 --to production`,
  token: `Usage: hotswap token --op OP [--file FILE | --sha256 HEX] [flags]

Prints a token for one call and nothing else, good for 5 minutes and for one use, so a
script can call the API itself. OP is deploy, upload, swap, rollback, promote, abort,
status or logs; deploy and upload bind the token to the artifact (--file or --sha256).

  --op OP            the operation the token allows
  --file FILE        the artifact a deploy or upload token is for
  --sha256 HEX       its SHA-256, instead of --file

${RECEIVER}

Example:
  curl -H "Authorization: Bearer $(hotswap token --op status --to production)" \\
    https://deploy.example.com/v1/apps/webdemo`,
};

export function help(command?: Command): string {
  return TEXT[command ?? "main"];
}

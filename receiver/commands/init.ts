import { existsSync, renameSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { newSecret } from "./keygen.js";

// `init`: a commented starter config with a fresh secret, refused if the file
// exists (unless --force), readable only by its owner since it holds the secret.
// `command` is how this receiver was started ("hotswap-receiver", or "node /opt/hotswap/cli.mjs"),
// so the start line it prints works as printed.
export function init(file: string, force: boolean, command = "hotswap-receiver"): string {
  const secret = newSecret();
  const path = resolve(file);
  if (!force && existsSync(path))
    throw new Error(`${path} exists already; pass --force to overwrite it`);
  // Written whole with mode 0600 and renamed into place: an overwritten file does
  // not keep looser permissions, and a crash never leaves half a config.
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, starterConfig(secret), { mode: 0o600, flag: "wx" });
  renameSync(tmp, path);
  return [
    `wrote ${path}`,
    "",
    "Add this secret to the GitHub repository as HOTSWAP_KEY (Settings > Secrets and variables > Actions):",
    "",
    `  ${secret}`,
    "",
    `Then edit the app in ${file} and start: ${command} --config ${file}`,
    "",
  ].join("\n");
}

function starterConfig(secret: string): string {
  return `# Hotswap receiver config. Reference: the README's "Config reference".
# Durations: 500ms, 30s, 2m. Sizes: 500MB, 2GiB. \${ENV} expands from the environment.
# Relative paths resolve from this file's folder.

# The API the GitHub Action talks to. Put TLS in front (nginx, IIS, Caddy).
listen: 127.0.0.1:8787
# This receiver's public URL: tokens must carry it as their audience.
audience: https://deploy.example.com
# Journal, replay store, kept releases.
data: ./.hotswap
# Proxies in front of the gates (nginx, a load balancer) whose X-Forwarded-For,
# -Proto and -Host are believed: IP addresses or CIDRs. Default: none.
# trustProxy: [127.0.0.1, ::1, 10.0.0.0/8]

auth:
  keys:
    - id: ci                 # the action's key-id input
      secret: ${secret}
    # - id: release-bot      # an Ed25519 or P-256 public key instead of a secret
    #   publicKey: ./keys/release-bot.pub.pem

apps:
  webdemo:
    exeFile: ./deploy/webdemo              # the executable the servers run
    updateFile: ./deploy/webdemo_update    # where uploads are staged
    args: ["--port", "{port}"]             # {port} {instance} {exe}
    env: { PORT: "{port}" }
    instances: 2
    gate: 0.0.0.0:8080                     # the public port, every interface (127.0.0.1:8080 behind
                                           # a proxy on this host); requests are held here during a swap
    # gate:                                # the long form, with the defaults:
    #   listen: 0.0.0.0:8080
    #   mode: proxy                        # the gate proxies every request (the only mode so far)
    #   headersTimeout: 20s                # a client must send its request headers within this
    #   bodyIdleTimeout: 30s               # longest pause in a request body (408 after)
    #   bodyMinRate: 1KiB                  # bytes/s a body must keep up; 0 = off
    #   stallTimeout: 2s                   # a server owing a first byte this long leaves rotation
    health: { path: /health, timeout: 30s } # new servers must be healthy within timeout
    drainTimeout: 10s                      # in-flight requests may finish for this long
    stopTimeout: 10s
    # hold.timeout must be longer than drainTimeout + health.timeout: a bad build
    # must roll back before held requests time out.
    hold: { timeout: 60s, maxRequests: 1000 }
    keepReleases: 5
    # versionCommand: ["{exe}", "--version"]
    maxUploadSize: 2GiB
`;
}

import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { FailureLimiter } from "./auth/failure-limiter.js";
import type { Trust } from "./auth/identify.js";
import { loadKeys } from "./auth/load-keys.js";
import { OidcIssuer } from "./auth/oidc-issuer.js";
import { ReplayStore } from "./auth/replay-store.js";
import type { AppConfig, Config } from "./config/load-config.js";
import { lockDataDir } from "./data-lock.js";
import type { ReloadResult } from "./lifecycle/reload.js";
import type { UpgradeOutcome } from "./lifecycle/upgrade.js";
import { EchoOutput } from "./echo-output.js";
import { Journal } from "./journal/journal.js";
import { clientAddress } from "./net/client-address.js";
import { trustedProxies } from "./net/trusted-proxies.js";
import { AppRuntime } from "./runtime/app-runtime.js";

// The daemon's state: the keys it trusts, the tokens it has seen, the journal,
// and one runtime per app. The HTTP API (api/) and the CLI stand on this.
// A config reload (lifecycle/reload.ts, docs/design.md §7) replaces config, trust,
// failures and the proxies trusted, and adds and removes apps: every request reads
// them anew, so none of them is readonly.
export class Receiver {
  /** What tokens this receiver accepts: its keys, its audience, its GitHub issuer. */
  trust: Trust;
  readonly journal: Journal;
  readonly apps = new Map<string, AppRuntime>();
  /** Addresses that keep failing authentication get 429 for a while. */
  failures: FailureLimiter;
  /** The servers' lines on the receiver's own stdout and stderr (docs/design.md §7). */
  readonly echo = new EchoOutput();
  /** Reloads the config (docs/design.md §7); serve.ts sets it once a reload can run. */
  reload: (() => Promise<ReloadResult>) | undefined;
  /** Upgrades to the receiver file on disk (§7), asked for by `by`; serve.ts sets it once serving. */
  upgrade: ((by: string) => Promise<UpgradeOutcome>) | undefined;
  /** The last reload's result, whether SIGHUP or the admin page asked for it. */
  lastReload: (ReloadResult & { at: string }) | undefined;
  /** Who is asking: the socket peer, or the client a trusted proxy names (trustProxy). */
  readonly clientAddress: (req: IncomingMessage) => string;
  #trustProxy: (address: string | undefined) => boolean;
  /** Shared by every app and changed in place by a reload. */
  readonly #uploadLimits: { idleTimeoutMs: number; minBytesPerSecond: number };

  /**
   * `takeOverFrom`: the pid of a receiver handing this one the data folder in an upgrade
   * (§7): the folder is not touched until takeDataDir(), called once that one let go.
   */
  constructor(
    public config: Config,
    { takeOverFrom }: { takeOverFrom?: number } = {},
  ) {
    this.failures = new FailureLimiter(config.auth.maxFailuresPerMinute);
    this.#trustProxy = trustedProxies(config.trustProxy);
    this.clientAddress = (req) => clientAddress(req, this.#trustProxy);
    this.trust = trustOf(config);
    // Only once the config and its keys are known good does anything touch the disk.
    if (takeOverFrom === undefined) this.takeDataDir();
    // Appends only, and none before start(): it may be opened beside the old receiver's.
    this.journal = new Journal(config.data);
    this.#uploadLimits = uploadLimitsOf(config);
    for (const app of config.apps.values()) this.addApp(app);
  }

  #replay: ReplayStore | undefined;
  /** The token ids seen (read from disk when the data folder is taken: an upgrade's old receiver may add some until then). */
  get replay(): ReplayStore {
    if (!this.#replay) throw new Error("the data folder is not taken yet");
    return this.#replay;
  }

  takeDataDir(takeOverFrom?: number): void {
    lockDataDir(this.config.data, this.config.file, takeOverFrom);
    this.#replay = new ReplayStore(join(this.config.data, "replay.jsonl"));
  }

  /** A new app's runtime, not started yet (start() or a reload starts it). */
  addApp(app: AppConfig): AppRuntime {
    const rt = new AppRuntime(
      app,
      this.config.data,
      this.journal,
      this.#uploadLimits,
      (a) => this.#trustProxy(a),
      this.echo, // one echo for every app: they share the receiver's stdout and stderr (§7)
    );
    this.apps.set(app.name, rt);
    return rt;
  }

  // A reload's new top-level keys (docs/design.md §7); `trust` was built (and its keys
  // read) by trustOf beforehand, so nothing here can fail half way. The failure
  // counts survive unless their limit changed.
  reconfigure(config: Config, trust: Trust): void {
    if (config.auth.maxFailuresPerMinute !== this.config.auth.maxFailuresPerMinute)
      this.failures = new FailureLimiter(config.auth.maxFailuresPerMinute);
    this.#trustProxy = trustedProxies(config.trustProxy);
    this.trust = trust;
    Object.assign(this.#uploadLimits, uploadLimitsOf(config));
    this.config = config;
  }

  async start(): Promise<void> {
    await Promise.all([...this.apps.values()].map((app) => app.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.apps.values()].map((app) => app.stop()));
    // The servers' last lines, printed as they stopped, before the process exits.
    this.echo.flush();
    await Promise.all([this.#replay?.close(), this.journal.close()]);
  }
}

/** The tokens `config` accepts; reads its public key files (throws ConfigError). */
export function trustOf(config: Config): Trust {
  const github = config.auth.github;
  return {
    keys: loadKeys(config),
    audience: config.audience,
    github: github && { config: github, issuer: new OidcIssuer(github.issuer) },
  };
}

function uploadLimitsOf(config: Config) {
  return { idleTimeoutMs: config.uploadIdleTimeoutMs, minBytesPerSecond: config.uploadMinRate };
}

import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { FailureLimiter } from "./auth/failure-limiter.js";
import type { Trust } from "./auth/identify.js";
import { loadKeys } from "./auth/load-keys.js";
import { OidcIssuer } from "./auth/oidc-issuer.js";
import { ReplayStore } from "./auth/replay-store.js";
import type { Config } from "./config/load-config.js";
import { lockDataDir } from "./data-lock.js";
import { EchoOutput } from "./echo-output.js";
import { Journal } from "./journal/journal.js";
import { clientAddress } from "./net/client-address.js";
import { trustedProxies } from "./net/trusted-proxies.js";
import { AppRuntime } from "./runtime/app-runtime.js";

// The daemon's state: the keys it trusts, the tokens it has seen, the journal,
// and one runtime per app. The HTTP API (api/) and the CLI stand on this.
export class Receiver {
  /** What tokens this receiver accepts: its keys, its audience, its GitHub issuer. */
  readonly trust: Trust;
  readonly journal: Journal;
  readonly apps = new Map<string, AppRuntime>();
  /** Addresses that keep failing authentication get 429 for a while. */
  readonly failures: FailureLimiter;
  /** The servers' lines on the receiver's own stdout and stderr (docs/design.md §7). */
  readonly echo: EchoOutput;
  /** Who is asking: the socket peer, or the client a trusted proxy names (trustProxy). */
  readonly clientAddress: (req: IncomingMessage) => string;

  /**
   * `takeOverFrom`: the pid of a receiver handing this one the data folder in an upgrade
   * (§7): the folder is not touched until takeDataDir(), called once that one let go.
   */
  constructor(
    readonly config: Config,
    { takeOverFrom }: { takeOverFrom?: number } = {},
  ) {
    this.failures = new FailureLimiter(config.auth.maxFailuresPerMinute);
    const trustProxy = trustedProxies(config.trustProxy);
    this.clientAddress = (req) => clientAddress(req, trustProxy);
    const github = config.auth.github;
    this.trust = {
      keys: loadKeys(config),
      audience: config.audience,
      github: github && { config: github, issuer: new OidcIssuer(github.issuer) },
    };
    // Only once the config and its keys are known good does anything touch the disk.
    if (takeOverFrom === undefined) this.takeDataDir();
    // Appends only, and none before start(): it may be opened beside the old receiver's.
    this.journal = new Journal(config.data);
    const uploadLimits = {
      idleTimeoutMs: config.uploadIdleTimeoutMs,
      minBytesPerSecond: config.uploadMinRate,
    };
    // One echo for every app: they share the receiver's stdout and stderr (§7).
    const echo = (this.echo = new EchoOutput());
    for (const app of config.apps.values())
      this.apps.set(
        app.name,
        new AppRuntime(app, config.data, this.journal, uploadLimits, trustProxy, echo),
      );
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

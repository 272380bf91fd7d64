import type { Trust } from "../auth/identify.js";
import { ConfigError } from "../config/config-error.js";
import { loadConfig, withLine, type AppConfig, type Config } from "../config/load-config.js";
import type { Log } from "../log.js";
import type { StreamEvent } from "../protocol.js";
import { trustOf, type Receiver } from "../receiver.js";
import type { AppRuntime } from "../runtime/app-runtime.js";
import { newDeployId } from "../runtime/deploy-id.js";
import { runSwap } from "../runtime/run-swap.js";
import { versionInfo } from "../version/version-info.js";
import type { ApiListener } from "./api-listener.js";
import { diffConfig, type AppChange } from "./config-diff.js";

export interface ReloadResult {
  ok: boolean;
  /** The summary line the log has, without "reload: ". */
  summary: string;
}

export interface ReloadDeps {
  file: string;
  receiver: Receiver;
  api: ApiListener;
  /** Builds the HTTP app for the receiver's config as it is now (create-http.ts). */
  http: () => Parameters<ApiListener["serve"]>[0];
  log: Log;
}

// SIGHUP (docs/design.md §7): re-read the config and move the running receiver onto
// it, touching only what changed. A config that does not load is refused whole, with
// the same line a start gives. Otherwise: removed apps drain and stop as at SIGTERM;
// changed ones take their app's lock (a running swap finishes first; a deploy
// arriving meanwhile gets 409, which the action retries) and restart their servers
// through the restart sequence (hold, or overlap) when server keys changed; added
// apps start; top-level keys apply to new requests through a rebuilt HTTP app.
// One reload runs at a time; asking during one runs one more after it.
export class Reloader {
  readonly #deps: ReloadDeps;
  #running: Promise<unknown>;
  #queued: Promise<ReloadResult> | undefined;
  /** Why reloads are refused now (the receiver stops, or hands over in an upgrade). */
  #closed: string | undefined;

  /** `ready`: reloads asked for before the receiver has started wait for it. */
  constructor(deps: ReloadDeps, ready: Promise<unknown>) {
    this.#deps = deps;
    this.#running = ready.catch(() => {});
  }

  request(): Promise<ReloadResult> {
    if (this.#closed !== undefined) return Promise.resolve(this.#refused(this.#closed));
    this.#queued ??= this.#running.then(() => {
      this.#queued = undefined;
      const run =
        this.#closed !== undefined
          ? Promise.resolve(this.#refused(this.#closed))
          : this.#reload().catch((error: Error): ReloadResult => {
              const summary = `failed: ${error.stack ?? error.message}`;
              this.#deps.log("error", `reload ${summary}`);
              return { ok: false, summary };
            });
      this.#running = run;
      // What the admin page shows of the last reload, however it was asked for.
      void run.then((result) => {
        this.#deps.receiver.lastReload = { ...result, at: new Date().toISOString() };
      });
      return run;
    });
    return this.#queued;
  }

  /** No more reloads; resolves once the one running (and one asked for) has ended. */
  async close(why = "the receiver is stopping"): Promise<void> {
    this.#closed = why;
    await this.#queued;
    await this.#running;
  }

  /** Reloads again (an upgrade that failed: this receiver serves on). */
  reopen(): void {
    this.#closed = undefined;
  }

  #refused(why: string): ReloadResult {
    const summary = `refused: ${why}`;
    this.#deps.log("warn", `reload ${summary}`);
    return { ok: false, summary };
  }

  async #reload(): Promise<ReloadResult> {
    const { receiver, api, log, file } = this.#deps;
    log("info", `reload: reading ${file}`);
    const before = receiver.config;
    let next: Config;
    let trust: Trust;
    try {
      next = loadConfig(file);
      if (next.data !== before.data)
        throw new Error(
          `${next.file}: data: data cannot change on reload (${before.data} → ${next.data}); restart the receiver`,
        );
      trust = this.#trust(next);
    } catch (error) {
      // A key file's ConfigError is found after loading: its line is looked up again.
      return this.#refuse(
        (error instanceof ConfigError ? withLine(error) : (error as Error)).message,
      );
    }
    const diff = diffConfig(before, next);
    // The API's new address listens before anything changes: if it cannot, nothing does.
    const moveApi = diff.top.includes("listen") || diff.top.includes("tls");
    let apiServer: Awaited<ReturnType<ApiListener["open"]>> | undefined;
    if (moveApi) {
      try {
        apiServer = await api.open(next);
      } catch (error) {
        return this.#refuse((error as Error).message);
      }
    }

    receiver.reconfigure(next, trust);
    api.serve(this.#deps.http());
    if (apiServer) {
      api.use(apiServer.server);
      log(
        "info",
        `reload: API on ${next.tls ? "https" : "http"}://${next.listen.host}:${apiServer.port}`,
      );
    }

    const failures: string[] = [];
    await Promise.all(diff.removed.map((name) => this.#remove(name)));
    const changes = await Promise.all(diff.changed.map((c) => this.#change(c, failures)));
    const added = await Promise.all(diff.added.map((app) => this.#add(app, failures)));
    // What runs now, app by app: the next reload compares with this, not with a
    // config some app could not move to.
    receiver.config = {
      ...next,
      apps: new Map([...receiver.apps].map(([name, rt]) => [name, rt.config])),
    };

    const parts = [
      `added ${list(diff.added.filter((_, i) => added[i]).map((a) => a.name))}`,
      `removed ${list(diff.removed)}`,
      `restarted ${list(changes.flatMap((c) => (c.restarted && c.text ? [c.text] : [])))}`,
    ];
    const changedOnly = changes.flatMap((c) => (!c.restarted && c.text ? [c.text] : []));
    if (changedOnly.length) parts.push(`changed ${list(changedOnly)}`);
    parts.push(`unchanged ${list(diff.unchanged)}`);
    const top = diff.top.filter((k) => k !== "data");
    if (top.length) parts.push(`receiver keys ${top.join(", ")}`);
    if (failures.length) parts.push(`failed: ${failures.join("; ")}`);
    const summary = parts.join(", ");
    log(failures.length ? "warn" : "info", `reload: ${summary}`);
    return { ok: failures.length === 0, summary };
  }

  #refuse(reason: string): ReloadResult {
    const summary = `refused: ${reason}; still running the previous config`;
    this.#deps.log("error", `reload ${summary}`);
    return { ok: false, summary };
  }

  // The new keys, read now (a missing public key file refuses the reload); the OIDC
  // issuer is kept when it is the same, with the signing keys it has fetched.
  #trust(next: Config): Trust {
    const trust = trustOf(next);
    const old = this.#deps.receiver.trust.github;
    if (trust.github && old && old.config.issuer === trust.github.config.issuer)
      trust.github = { ...trust.github, issuer: old.issuer };
    return trust;
  }

  // As at SIGTERM: a running swap finishes, new requests are turned away, running
  // ones finish, the servers stop; then the API forgets the app (404).
  async #remove(name: string): Promise<void> {
    const rt = this.#deps.receiver.apps.get(name);
    if (!rt) return;
    await rt.stop();
    this.#deps.receiver.apps.delete(name);
    rt.log("info", "removed by a reload: gate closed, servers stopped");
  }

  async #add(app: AppConfig, failures: string[]): Promise<boolean> {
    const { receiver } = this.#deps;
    const rt = receiver.addApp(app);
    try {
      await rt.start();
    } catch (error) {
      failures.push(`apps.${app.name} did not start: ${(error as Error).message}`);
      await rt.stop().catch(() => {});
      receiver.apps.delete(app.name);
      return false;
    }
    const why = rt.unavailable();
    if (why) rt.log("warn", `requests get 503 at once: ${app.name} ${why}`);
    return true;
  }

  async #change(
    c: AppChange,
    failures: string[],
  ): Promise<{ restarted: boolean; text: string | undefined }> {
    const { receiver } = this.#deps;
    const rt = receiver.apps.get(c.name)!;
    if (c.replace.length > 0) {
      // Its releases, staging and swap record are keyed by these files: a new runtime.
      await this.#remove(c.name);
      const ok = await this.#add(c.after, failures);
      return { restarted: ok, text: `${c.name} (replaced: ${c.replace.join(", ")})` };
    }
    const longest = rt.longestSwapMs();
    const lockId = `reload-${newDeployId()}`;
    if (!(await rt.lock.acquire(lockId, longest))) {
      failures.push(`apps.${c.name}: ${rt.lock.busy} did not end in ${longest} ms; not changed`);
      return { restarted: false, text: undefined };
    }
    try {
      return await this.#changeLocked(rt, c, failures);
    } finally {
      rt.lock.release(lockId);
    }
  }

  async #changeLocked(
    rt: AppRuntime,
    c: AppChange,
    failures: string[],
  ): Promise<{ restarted: boolean; text: string | undefined }> {
    const what = [...c.servers, ...c.other];
    rt.reconfigure(c.after);
    if (c.after.gate.mode !== c.before.gate.mode) {
      // The gate's kind is made at start: an upgrade (SIGUSR2) starts one of the new kind
      // on the same socket, with nothing lost; a reload cannot.
      const { mode } = c.before.gate;
      failures.push(
        `apps.${c.name}.gate.mode: ${mode} → ${c.after.gate.mode} applies at an upgrade (SIGUSR2) or the next start; kept ${mode}`,
      );
      rt.reconfigure({ ...rt.config, gate: { ...rt.config.gate, mode } });
    }
    if (c.rebind) {
      const { host, port } = c.after.gate;
      try {
        const bound = await rt.gate.rebind(host, port);
        rt.log("info", `gate listening on ${host}:${bound.port}`);
        what.push(`gate ${c.before.gate.host}:${c.before.gate.port} → ${host}:${port}`);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        failures.push(`apps.${c.name}.gate: cannot listen on ${host}:${port}: ${code}; kept`);
        rt.reconfigure({ ...rt.config, gate: { ...rt.config.gate, ...addressOf(c.before) } });
      }
    }
    if (c.gateTimeouts.length > 0) {
      // The listener and router were made with them; nothing else about the gate changes.
      rt.log("warn", `${c.gateTimeouts.join(", ")} apply at the receiver's next start`);
      what.push(...c.gateTimeouts.map((k) => `${k} (at next start)`));
    }
    const text = what.length ? `${c.name} (${what.join(", ")})` : c.name;
    if (c.servers.length === 0) return { restarted: false, text };
    const failed = await this.#restart(rt);
    if (!failed) return { restarted: true, text };
    // The new settings do not run: the previous ones, restarted the same way, do.
    rt.reconfigure({ ...c.before, gate: rt.config.gate });
    const back = await this.#restart(rt);
    failures.push(
      `apps.${c.name}: its servers did not start with the new settings (${failed}); ${back ? `nor with the previous ones: ${back}` : "back on the previous settings"}`,
    );
    return { restarted: false, text: undefined };
  }

  // The restart sequence of the admin page's restart (runSwap "restart": swap record,
  // fault points, drain, journal), on the live exeFile, under the lock the caller
  // holds. With nothing deployed yet the new settings wait for the first deploy.
  async #restart(rt: AppRuntime): Promise<string | undefined> {
    const app = rt.config;
    const live = await versionInfo(app.exeFile, app.versionCommand);
    if (!live) return undefined;
    const deployId = newDeployId();
    const emit = (event: StreamEvent) => {
      rt.feed.emit("event", { app: app.name, deployId, op: "restart", event });
      rt.journal.log(deployId, event).catch(() => {});
      if (event.type === "step" && event.state === "failed")
        rt.log("error", `reload: ${event.step} failed: ${event.message ?? ""}`);
    };
    const ctx = {
      deployId,
      who: undefined,
      emit,
      startedAt: performance.now(),
      overlap: app.strategy === "overlap",
    };
    const result = await runSwap(rt, "restart", { path: app.exeFile, info: live }, ctx);
    emit(result); // as an operation's: the admin page's feed and the metrics count it
    rt.log(
      result.ok ? "info" : "warn",
      `reload: restart ${deployId} ${result.ok ? `ok (held ${result.holdMs} ms)` : `failed: ${result.error.message}`}`,
    );
    return result.ok ? undefined : result.error.message;
  }
}

const addressOf = (app: AppConfig) => ({ host: app.gate.host, port: app.gate.port });

const list = (names: string[]) => (names.length ? names.join(", ") : "none");

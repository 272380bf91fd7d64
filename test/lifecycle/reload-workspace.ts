import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import type { AppStatus } from "../../receiver/protocol.js";
import { call } from "../helpers/api-client.js";
import { writeApp, type AppBehaviour } from "../helpers/app-script.js";
import type { ReceiverProcess } from "../helpers/receiver-process.js";
import { mint } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import { appDefaults, RECEIVER_DEFAULTS } from "../helpers/workspace.js";

// A receiver folder with several apps, each with its own deploy/<name> exe, and a
// config the test rewrites before each SIGHUP (docs/design.md §7).
export interface ReloadWorkspace {
  dir: string;
  configFile: string;
  /** Writes the config with these apps (name → overrides of the app's keys). */
  write(apps: Record<string, Record<string, unknown>>, top?: Record<string, unknown>): void;
  /** Writes a build of `app` and returns its path. */
  build(app: string, version: string, behaviour?: Partial<AppBehaviour>): string;
}

export function reloadWorkspace(names: string[]): ReloadWorkspace {
  const dir = mkdtempSync(join(tmpdir(), "hotswap-reload-"));
  mkdirSync(join(dir, "deploy"));
  mkdirSync(join(dir, "builds"));
  const configFile = join(dir, "hotswap.yaml");
  for (const name of names) writeApp(join(dir, "deploy", name), { version: `${name}-v1` });
  const write = (apps: Record<string, Record<string, unknown>>, top = {}) => {
    const config = {
      ...RECEIVER_DEFAULTS,
      ...top,
      apps: Object.fromEntries(
        Object.entries(apps).map(([name, app]) => [name, { ...appDefaults(name), ...app }]),
      ),
    };
    writeFileSync(configFile, stringify(config));
  };
  const build = (app: string, version: string, behaviour: Partial<AppBehaviour> = {}) =>
    writeApp(join(dir, "builds", `${app}-${version}`), {
      version: `${app}-${version}`,
      ...behaviour,
    });
  return { dir, configFile, write, build };
}

/** The app's gate as the receiver last said it listens (a reload may move it). */
export function gateOf(rx: ReceiverProcess, app: string): string {
  const re = new RegExp(`\\[${app}\\] gate listening on ([^\\s]+)`);
  const line = rx.logs.findLast((l) => re.test(l));
  if (!line) throw new Error(`no gate line for ${app} in:\n${rx.logs.join("\n")}`);
  return `http://${re.exec(line)![1]}`;
}

/** SIGHUP, then the reload's summary line (or its refusal) logged after it. */
export async function reload(rx: ReceiverProcess, timeoutMs = 30_000): Promise<string> {
  const from = rx.logs.length;
  rx.child.kill("SIGHUP");
  return waitFor(
    () =>
      rx.logs.slice(from).find((l) => /reload: added |reload refused: |reload failed: /.test(l)),
    "the reload's summary line",
    timeoutMs,
  );
}

export async function status(rx: ReceiverProcess, app: string) {
  const r = await call(rx.api, `/v1/apps/${app}`, { token: await mint({ app, op: "status" }) });
  return { status: r.status, body: r.json as AppStatus };
}

export async function pids(rx: ReceiverProcess, app: string): Promise<number[]> {
  const { body } = await status(rx, app);
  return body.instances.map((s) => s.pid!).sort();
}

/** What a plain GET to `url` gets: the body's first line, or the error code. */
export async function probe(url: string): Promise<string> {
  try {
    const res = await fetch(url, { headers: { connection: "close" } });
    return (await res.text()).trim();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? String(error);
  }
}

// Runs the bundled CLI the way a user runs it: dist/client/hotswap.mjs copied alone into an
// empty folder (no node_modules, no package.json beside it), started with plain `node`,
// in a working folder of the test's choosing, with nothing of this process's HOTSWAP_*
// or GitHub environment.
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { createWorkspace, type Workspace, type WorkspaceOptions } from "../helpers/workspace.js";

export const BUNDLE = resolve("dist/client/hotswap.mjs");

export interface HotswapRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A copy of the bundle in a folder of its own; remove() deletes it. */
export function installHotswap(): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "hotswap-cli-"));
  const path = join(dir, "hotswap.mjs");
  copyFileSync(BUNDLE, path);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function cleanEnv(env: Record<string, string | undefined> = {}): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...process.env, ...env }))
    if (value !== undefined && !/^(HOTSWAP_|GITHUB_|ACTIONS_|RUNNER_|INPUT_|CI$)/.test(name))
      kept[name] = value;
  for (const [name, value] of Object.entries(env)) if (value !== undefined) kept[name] = value;
  return kept;
}

export function runHotswap(
  cli: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined>; timeoutMs?: number },
): Promise<HotswapRun> {
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  return new Promise((done, fail) => {
    child.once("error", fail);
    child.once("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** Everything a run printed, for assertion messages. */
export const shown = (run: HotswapRun) =>
  `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

/** A receiver on its workspace, a copy of the CLI, and a checkout to run it from. */
export interface CliSite {
  ws: Workspace;
  rx: ReceiverProcess;
  cli: string;
  checkout: string;
  remove(): Promise<void>;
}

export async function cliSite(options: WorkspaceOptions = {}): Promise<CliSite> {
  const ws = createWorkspace(options);
  const rx = await startReceiver(ws.configFile);
  const cli = installHotswap();
  const checkout = mkdtempSync(join(tmpdir(), "hotswap-checkout-"));
  return {
    ws,
    rx,
    cli: cli.path,
    checkout,
    async remove() {
      await rx.stop();
      cli.remove();
      rmSync(ws.dir, { recursive: true, force: true });
      rmSync(checkout, { recursive: true, force: true });
    },
  };
}

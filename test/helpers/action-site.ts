// A server running a receiver and a CI checkout holding builds, for the tests that run
// the bundled action (dist/action/index.js) against it the way the runner does.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect } from "vitest";
import type { AppStatus, JournalEntry } from "../../receiver/protocol.js";
import type { AppBehaviour } from "./app-script.js";
import { call } from "./api-client.js";
import { startReceiver, type ReceiverProcess } from "./receiver-process.js";
import { runAction, type ActionRun } from "./run-action.js";
import { mint, SECRET } from "./tokens.js";
import { createWorkspace, type Workspace, type WorkspaceOptions } from "./workspace.js";

export interface ActionSite {
  ws: Workspace;
  rx: ReceiverProcess;
  checkout: string;
  /** Writes app version `name` into the checkout as build/webdemo-NAME; returns its bytes. */
  build(name: string, behaviour?: Partial<AppBehaviour>): Buffer;
  /** Runs the bundled action against the receiver; `inputs` add to or override the site's. */
  action(inputs: Record<string, string>): Promise<ActionRun>;
  /** What the gate answers to GET / right now ("v1"). */
  answer(): Promise<string>;
  status(): Promise<AppStatus>;
  /** The receiver's journal, oldest first. */
  journal(): JournalEntry[];
}

export interface ActionDefaults {
  /** Inputs every run of the action gets, before its own. */
  inputs?: Record<string, string>;
  /** Environment of every run (GITHUB_API_URL, say). */
  env?: Record<string, string>;
}

type Cleanup = () => Promise<void> | void;

/**
 * Sites for the tests of one file: call it once at the top level. Everything a site
 * started (and whatever a test hands to `cleanup`) is stopped and removed after each
 * test, newest first.
 */
export function actionSites(): {
  site(options?: WorkspaceOptions, defaults?: ActionDefaults): Promise<ActionSite>;
  cleanup(fn: Cleanup): void;
} {
  const cleanups: Cleanup[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const cleanup = (fn: Cleanup) => void cleanups.push(fn);
  async function site(options: WorkspaceOptions = {}, defaults: ActionDefaults = {}) {
    const ws = createWorkspace(options);
    cleanup(() => rmSync(ws.dir, { recursive: true, force: true }));
    const rx = await startReceiver(ws.configFile);
    cleanup(() => rx.stop());
    const checkout = mkdtempSync(join(tmpdir(), "hotswap-checkout-"));
    cleanup(() => rmSync(checkout, { recursive: true, force: true }));
    mkdirSync(join(checkout, "build"));
    return {
      ws,
      rx,
      checkout,
      build(name: string, behaviour?: Partial<AppBehaviour>) {
        const target = join(checkout, "build", `webdemo-${name}`);
        copyFileSync(ws.version(name, behaviour), target);
        return readFileSync(target);
      },
      action: (inputs: Record<string, string>) =>
        runAction({
          inputs: {
            url: rx.api,
            app: "webdemo",
            key: SECRET,
            "key-id": "ci",
            audience: "https://deploy.test",
            timeout: "45",
            ...defaults.inputs,
            ...inputs,
          },
          ...(defaults.env ? { env: defaults.env } : {}),
          workspace: checkout,
        }),
      answer: async () => (await (await fetch(`${rx.gate()}/`)).text()).trim(),
      status: async () => {
        const r = await call(rx.api, "/v1/apps/webdemo", { token: await mint({ op: "status" }) });
        expect(r.status).toBe(200);
        return r.json as AppStatus;
      },
      journal: () =>
        readFileSync(join(ws.data, "journal.jsonl"), "utf8")
          .split("\n")
          .filter(Boolean)
          .map((line) => JSON.parse(line) as JournalEntry),
    };
  }
  return { site, cleanup };
}

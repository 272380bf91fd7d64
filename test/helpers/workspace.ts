import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { writeApp, type AppBehaviour } from "./app-script.js";
import { SECRET } from "./tokens.js";

export interface Workspace {
  dir: string;
  exeFile: string;
  updateFile: string;
  data: string;
  configFile: string;
  /** Writes an app version as a file in the workspace and returns its path. */
  version(name: string, behaviour?: Partial<AppBehaviour>): string;
}

export interface WorkspaceOptions {
  /** Overrides of the app's config keys. */
  app?: Record<string, unknown>;
  /** Overrides of top-level config keys. */
  config?: Record<string, unknown>;
  /** The version that is live at start; null for none. */
  v1?: Partial<AppBehaviour> | null;
}

// A server's folder as a user would lay it out: deploy/ with the exe, a config
// beside it, the receiver's data in .hotswap/. Every port is 0 (ephemeral).
export function createWorkspace(options: WorkspaceOptions = {}): Workspace {
  const dir = mkdtempSync(join(tmpdir(), "hotswap-"));
  mkdirSync(join(dir, "deploy"));
  mkdirSync(join(dir, "builds"));
  const ws: Workspace = {
    dir,
    exeFile: join(dir, "deploy", "webdemo"),
    updateFile: join(dir, "deploy", "webdemo_update"),
    data: join(dir, ".hotswap"),
    configFile: join(dir, "hotswap.yaml"),
    version: (name, behaviour = {}) =>
      writeApp(join(dir, "builds", name), { version: name, ...behaviour }),
  };
  if (options.v1 !== null) writeApp(ws.exeFile, { version: "v1", ...options.v1 });
  const config = {
    ...RECEIVER_DEFAULTS,
    apps: { webdemo: { ...appDefaults("webdemo"), ...options.app } },
    ...options.config,
  };
  writeFileSync(ws.configFile, stringify(config));
  return ws;
}

export const receiverEnv = { HOTSWAP_SECRET: SECRET };

/** The top-level keys of every test config: ephemeral API port, one HS256 key. */
export const RECEIVER_DEFAULTS = {
  listen: "127.0.0.1:0",
  audience: "https://deploy.test",
  data: "./.hotswap",
  auth: { keys: [{ id: "ci", secret: "${HOTSWAP_SECRET}" }] },
};

/** The keys of a test app whose exe is deploy/NAME: 2 servers, short timeouts, gate on port 0. */
export function appDefaults(name: string): Record<string, unknown> {
  return {
    exeFile: `./deploy/${name}`,
    updateFile: `./deploy/${name}_update`,
    env: { PORT: "{port}" },
    instances: 2,
    gate: "127.0.0.1:0",
    health: { path: "/health", timeout: "10s" },
    drainTimeout: "5s",
    stopTimeout: "2s",
    hold: { timeout: "20s", maxRequests: 1000 },
    keepReleases: 3,
    versionCommand: ["{exe}", "--version"],
    maxUploadSize: "1MiB",
  };
}

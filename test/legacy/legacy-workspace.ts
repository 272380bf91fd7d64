import { writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { hashPassword } from "../../receiver/auth/password-hash.js";
import { writeApp } from "../helpers/app-script.js";
import { createWorkspace, type Workspace, type WorkspaceOptions } from "../helpers/workspace.js";

/** One hash for every test (scrypt takes a moment). */
export const RICK = hashPassword("pw").then((passwordHash) => ({ name: "rick", passwordHash }));

// The usual workspace with the seed's links turned on for webdemo (user rick,
// password pw), and a second app, plain, that leaves them off.
export async function legacyWorkspace(options: WorkspaceOptions = {}): Promise<Workspace> {
  const ws = createWorkspace({
    ...options,
    app: { legacy: { users: [await RICK] }, maxUploadSize: "256MiB", ...options.app },
  });
  const config = parse(readFileSync(ws.configFile, "utf8"));
  writeApp(join(ws.dir, "deploy", "plain"), { version: "plain1" });
  config.apps.plain = {
    exeFile: "./deploy/plain",
    updateFile: "./deploy/plain_update",
    env: { PORT: "{port}" },
    gate: "127.0.0.1:0",
    health: { path: "/health", timeout: "10s" },
  };
  writeFileSync(ws.configFile, stringify(config));
  return ws;
}

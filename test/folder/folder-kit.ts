// What the folder-app tests share: a workspace whose app is a folder app, a build
// folder and its archive as a workflow would make them, and an upload of raw bytes.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { call, sha256, type CallResult } from "../helpers/api-client.js";
import { appScript, type AppBehaviour } from "../helpers/app-script.js";
import type { ReceiverProcess } from "../helpers/receiver-process.js";
import { mint } from "../helpers/tokens.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

/** A workspace whose webdemo is a folder app: dir ./srv/webdemo, exe bin/server. */
export function folderWorkspace(app: Record<string, unknown> = {}): Workspace & { app: string } {
  const ws = createWorkspace({
    v1: null,
    app: {
      exeFile: undefined,
      updateFile: undefined,
      dir: "./srv/webdemo",
      exe: "bin/server",
      ...app,
    },
  });
  return { ...ws, app: join(ws.dir, "srv", "webdemo") };
}

/**
 * A build folder: bin/server (0755, the test app, answering GET /file with lib/data.txt
 * read from its working folder), lib/data.txt, lib/nested/deep.txt, a link lib/link.txt.
 */
export function buildFolder(
  root: string,
  name: string,
  behaviour: Partial<AppBehaviour> = {},
): string {
  const dir = join(root, `build-${name}`);
  mkdirSync(join(dir, "bin"), { recursive: true });
  mkdirSync(join(dir, "lib", "nested"), { recursive: true });
  const version = behaviour.version ?? name;
  const server = appScript({ ...behaviour, version }).replace(
    'if (req.url === "/health")',
    'if (req.url === "/file") return res.end(require("node:fs").readFileSync("lib/data.txt"));\n  if (req.url === "/health")',
  );
  writeFileSync(join(dir, "bin", "server"), server);
  chmodSync(join(dir, "bin", "server"), 0o755);
  writeFileSync(join(dir, "lib", "data.txt"), `data of ${version}\n`);
  writeFileSync(join(dir, "lib", "nested", "deep.txt"), "deep\n");
  execFileSync("ln", ["-sf", "data.txt", join(dir, "lib", "link.txt")]);
  return dir;
}

/** The archive of a build folder's contents, as `tar czf` or `zip -r` makes it. */
export function archiveOf(dir: string, file: string): Buffer {
  if (file.endsWith(".zip")) execFileSync("zip", ["-qry", file, "."], { cwd: dir });
  else execFileSync("tar", ["czf", file, "-C", dir, "."]);
  return readFileSync(file);
}

/** A build of `name` archived as root/NAME.KIND. */
export function archive(
  root: string,
  name: string,
  kind: "tar.gz" | "zip",
  behaviour: Partial<AppBehaviour> = {},
): Buffer {
  return archiveOf(buildFolder(root, name, behaviour), join(root, `${name}.${kind}`));
}

/** Uploads `body` to webdemo with a fresh token, as the action does. */
export async function send(
  rx: ReceiverProcess,
  op: "deploy" | "upload",
  body: Buffer,
): Promise<CallResult> {
  return call(rx.api, `/v1/apps/webdemo/${op}`, {
    token: await mint({ op, sha256: sha256(body) }),
    body,
  });
}

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { hashPassword } from "../../receiver/auth/password-hash.js";
import type { JournalEntry } from "../../receiver/protocol.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { createWorkspace, type Workspace, type WorkspaceOptions } from "../helpers/workspace.js";

export const PASSWORD = "correct horse battery staple";
export const PASSWORD_HASH = await hashPassword(PASSWORD);

/** A workspace whose receiver serves /admin with PASSWORD. */
export function adminWorkspace(options: WorkspaceOptions = {}): Workspace {
  return createWorkspace({
    ...options,
    config: { admin: { passwordHash: PASSWORD_HASH }, ...options.config },
  });
}

export interface AdminSession {
  /** `hotswap_admin=…`, ready for a Cookie header. */
  cookie: string;
  csrf: string;
}

/** The admin cookie a response sets, as name=value, and the whole header line. */
export function sessionCookie(res: Response): { cookie: string; line: string } | undefined {
  const line = res.headers.getSetCookie().find((c) => c.startsWith("hotswap_admin="));
  return line ? { cookie: line.split(";")[0]!, line } : undefined;
}

// The login form as a browser gets it: a login-only cookie and the form's token.
export async function loginForm(api: string): Promise<AdminSession> {
  const res = await fetch(`${api}/admin/login`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await res.text())![1]!;
  return { cookie: sessionCookie(res)!.cookie, csrf };
}

/** Posts the login form; the answer is not followed. */
export function postLogin(api: string, form: AdminSession, password: string): Promise<Response> {
  return fetch(`${api}/admin/login`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: form.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ _csrf: form.csrf, password }),
  });
}

// Signs in the way the login page does and reads the dashboard's token.
export async function signIn(api: string): Promise<AdminSession> {
  const res = await postLogin(api, await loginForm(api), PASSWORD);
  if (res.status !== 303) throw new Error(`sign-in answered ${res.status}: ${await res.text()}`);
  const cookie = sessionCookie(res)!.cookie;
  const page = await (await fetch(`${api}/admin`, { headers: { cookie } })).text();
  return { cookie, csrf: /name="csrf-token" content="([^"]+)"/.exec(page)![1]! };
}

export interface AdminScene {
  ws: Workspace;
  rx: ReceiverProcess;
  /** Signed in on rx's admin page. */
  admin: AdminSession;
}

/**
 * One receiver serving /admin (adminWorkspace) for the tests of the describe block it is
 * called in, and a signed-in admin session: the fields are filled in before those tests
 * (before the block's own beforeAll hooks that come after the call), and the receiver
 * is stopped after them.
 */
export function adminReceiver(options: WorkspaceOptions = {}): AdminScene {
  const scene = {} as AdminScene;
  beforeAll(async () => {
    scene.ws = adminWorkspace(options);
    scene.rx = await startReceiver(scene.ws.configFile);
    scene.admin = await signIn(scene.rx.api);
  });
  afterAll(() => scene.rx?.stop());
  return scene;
}

/** Every entry of the receiver's journal, oldest first. */
export function journal(ws: Workspace): JournalEntry[] {
  let text = "";
  try {
    text = readFileSync(join(ws.data, "journal.jsonl"), "utf8");
  } catch {
    // no journal yet
  }
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as JournalEntry);
}

// What every security test shares: a receiver in its own server folder (with a second
// app, `billing`, that only the Ed25519 key may deploy), a way to sign any token an
// attacker could build, a trap server that counts whether the receiver ever fetched a
// URL named in a token, and one check that a refused request left no trace: the same
// files under the folder (exeFile, updateFile, data/), the same processes, and no
// token in any log line.
import { execFileSync } from "node:child_process";
import { createHmac, generateKeyPairSync, randomUUID, sign, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { parse, stringify } from "yaml";
import type { Op } from "../../receiver/protocol.js";
import { call, sha256, type CallResult } from "../helpers/api-client.js";
import { writeApp } from "../helpers/app-script.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { snapshot } from "../helpers/snapshot.js";
import { SECRET } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

export const AUDIENCE = "https://deploy.test";
export const now = () => Math.floor(Date.now() / 1000);

/** The receiver's public keys for `ed` (EdDSA) and `es` (ES256); the private halves sign good tokens. */
export const ED = generateKeyPairSync("ed25519");
export const ES = generateKeyPairSync("ec", { namedCurve: "P-256" });
export const pem = (key: KeyObject) => key.export({ type: "spki", format: "pem" }).toString();

export interface SceneOptions {
  /** Top-level config keys, over the defaults. */
  config?: Record<string, unknown>;
  /** auth keys, over the defaults (keys ci, ed, es; maxFailuresPerMinute 0, no rate limit). */
  auth?: Record<string, unknown>;
  /** Overrides of webdemo's keys. */
  app?: Record<string, unknown>;
}

/** What is on disk and running at one moment, to compare after an attack. */
export interface Observation {
  files: Record<string, string>;
  replay: string;
  children: string;
}

// One receiver in its own folder, every token it was shown, and every log line
// of every receiver process that served it (a restart starts a new process).
export class Scene {
  readonly tokens: string[] = [];
  private readonly processes: ReceiverProcess[] = [];

  private constructor(
    readonly ws: Workspace,
    public rx: ReceiverProcess,
  ) {
    this.processes.push(rx);
  }

  static async start(options: SceneOptions = {}): Promise<Scene> {
    const ws = createWorkspace({
      app: options.app,
      config: {
        auth: {
          keys: [
            { id: "ci", secret: "${HOTSWAP_SECRET}" },
            { id: "ed", publicKey: "./keys/ed.pub.pem" },
            { id: "es", publicKey: "./keys/es.pub.pem" },
          ],
          // Catalogues send dozens of bad tokens on purpose: the limiter has its own suite.
          maxFailuresPerMinute: 0,
          ...options.auth,
        },
        ...options.config,
      },
    });
    mkdirSync(join(ws.dir, "keys"));
    writeFileSync(join(ws.dir, "keys", "ed.pub.pem"), pem(ED.publicKey));
    writeFileSync(join(ws.dir, "keys", "es.pub.pem"), pem(ES.publicKey));
    // A second app, which only the Ed25519 key may deploy (apps.billing.auth.keys).
    const config = parse(readFileSync(ws.configFile, "utf8")) as {
      apps: Record<string, Record<string, unknown>>;
    };
    config.apps.billing = {
      ...config.apps.webdemo,
      exeFile: "./deploy/billing",
      updateFile: "./deploy/billing_update",
      instances: 1,
      auth: { keys: ["ed"] },
    };
    writeFileSync(ws.configFile, stringify(config));
    writeApp(join(ws.dir, "deploy", "billing"), { version: "b1" });
    return new Scene(ws, await startReceiver(ws.configFile));
  }

  /** Stops the receiver (SIGTERM) and starts a new one on the same folder. */
  async restart(): Promise<void> {
    await this.rx.stop();
    this.rx = await startReceiver(this.ws.configFile);
    this.processes.push(this.rx);
  }

  async stop(): Promise<void> {
    await this.rx.stop();
    rmSync(this.ws.dir, { recursive: true, force: true });
  }

  /** Remembers a token so that every later check proves it never reached a log. */
  track<T extends string | undefined>(token: T): T {
    if (token) this.tokens.push(token);
    return token;
  }

  get logs(): string {
    return this.processes.flatMap((p) => p.logs).join("\n");
  }

  get replayFile(): string {
    return join(this.ws.data, "replay.jsonl");
  }

  /**
   * What earlier requests started has ended: every operation's event log has its result
   * line (the client has its result before the receiver's background write of that line
   * ends), and no upload is still being read (one a client abandoned may be read after
   * it has gone). A snapshot taken before that could see the folder change afterwards.
   */
  async settled(): Promise<void> {
    const dir = join(this.ws.data, "logs");
    const pending = () =>
      (existsSync(dir) ? readdirSync(dir) : []).filter((name) => {
        const lines = readFileSync(join(dir, name), "utf8").trim().split("\n");
        return !lines.at(-1)?.includes('"type":"result"');
      });
    await waitFor(() => pending().length === 0, `the event logs ${pending().join(", ")} to end`);
    // An upload the client abandoned may still be on its way in (the receiver reads it
    // after the client has gone): its temp file must go, and does once it is read.
    const deploy = join(this.ws.dir, "deploy");
    const temps = () => readdirSync(deploy).filter((n) => n.startsWith(".hotswap-upload-"));
    await waitFor(() => temps().length === 0, `the upload temp files ${temps().join(", ")} to go`);
  }

  async observe(): Promise<Observation> {
    await this.settled();
    return {
      files: snapshot(this.ws.dir),
      replay: existsSync(this.replayFile) ? readFileSync(this.replayFile, "utf8") : "",
      children: this.children(),
    };
  }

  /**
   * Nothing changed since `before`: exeFile, updateFile, every file of data/ (the
   * servers' pid record included), no temp file, the receiver's children the same, no
   * process running the update, and no token in any log line. The only write a
   * request may have caused is spending the jti of each token in `spent` (a token that
   * passed every check), appended to the replay store.
   */
  async expectUntouched(before: Observation, spent: string[] = []): Promise<void> {
    const after = await this.observe();
    const rel = (path: string) => path.slice(this.ws.dir.length + 1);
    for (const file of [rel(this.ws.exeFile), rel(this.ws.updateFile)])
      expect(after.files[file], `${file} changed`).toBe(before.files[file]);
    const replayKey = rel(this.replayFile);
    const { [replayKey]: _a, ...filesAfter } = after.files;
    const { [replayKey]: _b, ...filesBefore } = before.files;
    expect(filesAfter, "files under the server folder (deploy/, data/)").toEqual(filesBefore);
    expect(after.replay.startsWith(before.replay), "the replay store was rewritten").toBe(true);
    const added = after.replay
      .slice(before.replay.length)
      .split("\n")
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { jti: string }).jti);
    expect(added.sort(), "jtis added to the replay store").toEqual(spent.map(jtiOf).sort());
    const tail = () => this.logs.split("\n").slice(-8).join("\n");
    expect(after.children, `the receiver's child processes; log:\n${tail()}`).toBe(before.children);
    expect(pgrep(["-f", this.ws.updateFile]), "a process running updateFile").toBe("");
    this.expectNoTokenLogged();
  }

  expectNoTokenLogged(): void {
    const logs = this.logs;
    for (const token of this.tokens) {
      for (const secret of secretParts(token))
        expect(logs.includes(secret), `a token (${secret.slice(0, 24)}…) in the log`).toBe(false);
    }
  }

  /**
   * Waits until the app's lock is free: a swap then answers 404 ERR_NOTHING_STAGED (409
   * while an upload holds the lock). Returns the tokens it spent.
   */
  async waitForLockFree(app = "webdemo"): Promise<string[]> {
    const spent: string[] = [];
    let last: CallResult | undefined;
    await waitFor(
      async () => {
        const token = this.track(hs256(goodClaims("swap", { app })));
        spent.push(token);
        last = await call(this.rx.api, `/v1/apps/${app}/swap`, { method: "POST", token });
        return last.status !== 409;
      },
      "the app's lock to be free",
      10_000,
    );
    expectRefusal(last!, 404, "ERR_NOTHING_STAGED");
    return spent;
  }

  private children(): string {
    return pgrep(["-P", String(this.rx.child.pid)])
      .split("\n")
      .filter(Boolean)
      .sort()
      .join(",");
  }
}

/** The parts of a token that must never be logged: itself, and its signature when it has one. */
function secretParts(token: string): string[] {
  const parts = [token];
  const signature = token.split(".")[2];
  if (signature && signature.length >= 16) parts.push(signature);
  return parts.filter((p) => p.length >= 12);
}

function pgrep(args: string[]): string {
  try {
    return execFileSync("pgrep", args, { encoding: "utf8" }).trim();
  } catch {
    return ""; // exit 1: no process matched
  }
}

/** The jti of a token the receiver accepted (and so spent). */
export function jtiOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { jti: string })
    .jti;
}

/**
 * A refusal answered before any stream: the status, the stable code, a message, and a
 * 401's WWW-Authenticate challenge naming the same code.
 */
export function expectRefusal(r: CallResult, status: number, code: string): void {
  const shown = JSON.stringify(r.json ?? r.events);
  expect(r.status, shown).toBe(status);
  expect(r.json, shown).toMatchObject({ error: { code, message: expect.any(String) } });
  if (status === 401) {
    expect(r.headers.get("www-authenticate")).toMatch(/^Bearer realm="hotswap"/);
    expect(r.headers.get("www-authenticate")).toContain(`error_description="${code}"`);
  }
}

// ---- a catalogue of attacks ----

/** How one attack is sent; by default a deploy of the build to webdemo. */
export interface Attempt {
  app?: string;
  op?: Op;
  /** The X-Hotswap-Sha256 header; default the body's digest. */
  sha?: string;
  /** A path instead of the operation's route. */
  path?: string;
  /** An Authorization header to send instead of `Bearer <token>`. */
  authorization?: string;
  /** The token passes every check, so its jti is spent (the one write allowed). */
  spends?: boolean;
}

/** The receiver a catalogue attacks; the fields are filled in before its tests. */
export interface AttackTarget {
  scene: Scene;
  trap: Trap;
  /** A real build (v2) to deploy, and its digest. */
  body: Buffer;
  sha: string;
  /** Sends one attempt with this token (tracked, so it must never reach a log). */
  send(token: string | undefined, o?: Attempt): Promise<CallResult>;
  /**
   * The one check of a catalogue: the documented refusal, and no trace of the attempt
   * (Scene.expectUntouched, and no connection to the trap). Returns the message.
   */
  expectRefused(
    token: string | undefined,
    status: number,
    code: string,
    o?: Attempt,
  ): Promise<string>;
}

/**
 * For a describe block of attacks: a Scene (with these options, asked for in beforeAll,
 * after the block's earlier hooks) and a trap, started before its tests and stopped
 * after them.
 */
export function attackTarget(options: () => SceneOptions = () => ({})): AttackTarget {
  const send = (token: string | undefined, o: Attempt = {}): Promise<CallResult> => {
    const { scene, body, sha } = target;
    scene.track(token);
    const app = o.app ?? "webdemo";
    const op = o.op ?? "deploy";
    const path = o.path ?? (op === "status" ? `/v1/apps/${app}` : `/v1/apps/${app}/${op}`);
    const headers: Record<string, string> = o.authorization
      ? { authorization: o.authorization }
      : {};
    if (op === "deploy" || op === "upload")
      return call(scene.rx.api, path, { token, headers, body, sha256: o.sha ?? sha });
    return call(scene.rx.api, path, { token, headers, method: op === "status" ? "GET" : "POST" });
  };
  const target = {
    send,
    async expectRefused(token, status, code, o = {}) {
      const before = await target.scene.observe();
      const r = await send(token, o);
      expectRefusal(r, status, code);
      await target.scene.expectUntouched(before, o.spends && token ? [token] : []);
      expect(target.trap.connections, "connections to a URL named in a token").toBe(0);
      return (r.json as { error: { message: string } }).error.message;
    },
  } as AttackTarget;
  beforeAll(async () => {
    [target.scene, target.trap] = await Promise.all([Scene.start(options()), startTrap()]);
    target.body = readFileSync(target.scene.ws.version("v2"));
    target.sha = sha256(target.body);
  });
  afterAll(async () => {
    await Promise.all([target.scene?.stop(), target.trap?.stop()]);
  });
  return target;
}

// ---- tokens an attacker can build ----

const segment = (part: string | object) =>
  Buffer.from(typeof part === "string" ? part : JSON.stringify(part)).toString("base64url");

/**
 * A compact JWS from any header and payload (objects, or raw JSON text for duplicate
 * members), signed by `signer` over `header.payload`; no signer: an empty signature.
 */
export function jws(
  header: string | object,
  payload: string | object,
  signer?: (input: string) => Buffer,
): string {
  const input = `${segment(header)}.${segment(payload)}`;
  return `${input}.${signer ? signer(input).toString("base64url") : ""}`;
}

/** HS256 with any bytes as the secret (the receiver's, an attacker's, a public key's PEM). */
export const hmac = (secret: string | Buffer) => (input: string) =>
  createHmac("sha256", secret).update(input).digest();

/** RS256, ES256 or EdDSA with a private key, in JWS form (ES256 as r||s). */
export const signWith = (key: KeyObject, alg: "RS256" | "ES256" | "EdDSA") => (input: string) =>
  alg === "EdDSA"
    ? sign(null, Buffer.from(input), key)
    : sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" });

/** Claims of a good key-mode token for one call: fresh jti, 5 minutes, webdemo. */
export function goodClaims(op: Op, overrides: Record<string, unknown> = {}) {
  const iat = now();
  const claims: Record<string, unknown> = {
    aud: AUDIENCE,
    iat,
    exp: iat + 300,
    jti: randomUUID(),
    app: "webdemo",
    op,
    repository: "octo/webdemo",
    ...overrides,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return claims;
}

export const HS256_HEADER = { alg: "HS256", typ: "JWT", kid: "ci" };

/** A good HS256 token with the receiver's secret (kid ci) over any claims. */
export const hs256 = (claims: string | object, header: string | object = HS256_HEADER) =>
  jws(header, claims, hmac(SECRET));

// ---- a server a token could name ----

export interface Trap {
  url: string;
  /** TCP connections the trap accepted: any fetch, of any path, counts. */
  connections: number;
  /** What the trap serves at every path (e.g. an attacker's JWKS). */
  body: object;
  stop(): Promise<void>;
}

// A local HTTP server whose URL goes into jku, x5u, kid or iss: the receiver never
// fetches anything a token names, so it must see no connection at all.
export async function startTrap(): Promise<Trap> {
  const server = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(trap.body));
  });
  const trap: Trap = {
    url: "",
    connections: 0,
    body: {},
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  server.on("connection", () => trap.connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  trap.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return trap;
}

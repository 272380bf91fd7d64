// authorize binds a verified key-mode token to one request and spends its jti; a
// token it refuses must leave the replay store's file exactly as it was.
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { authorize } from "../../receiver/auth/authorize.js";
import type { KeyPrincipal } from "../../receiver/auth/principal.js";
import { ReplayStore } from "../../receiver/auth/replay-store.js";
import { loadConfig, type AppConfig } from "../../receiver/config/load-config.js";
import type { Op } from "../../receiver/protocol.js";

const SHA = "ab".repeat(32);
const OTHER_SHA = "cd".repeat(32);
const SECRET = "0123456789abcdef0123456789abcdef";

let dir: string;
let file: string;
let replay: ReplayStore;
let apps: Map<string, AppConfig>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hotswap-authorize-"));
  // Apps as the config loader makes them: one open to every key, one narrowed to "bot".
  const configFile = join(dir, "hotswap.yaml");
  const app = { exeFile: "./webdemo", updateFile: "./webdemo_update", gate: "127.0.0.1:0" };
  await writeFile(
    configFile,
    stringify({
      audience: "https://deploy.test",
      auth: {
        keys: [
          { id: "ci", secret: SECRET },
          { id: "bot", secret: `${SECRET}-bot` },
        ],
      },
      apps: {
        webdemo: app,
        narrowed: {
          exeFile: "./narrowed",
          updateFile: "./narrowed_update",
          gate: "127.0.0.1:0",
          auth: { keys: ["bot"] },
        },
      },
    }),
  );
  apps = loadConfig(configFile, {}).apps;
  file = join(dir, "data", "replay.jsonl");
  replay = new ReplayStore(file, () => {});
  // One earlier token, so "unchanged" means more than "still empty".
  await replay.add("earlier", Math.floor(Date.now() / 1000) + 300);
});
afterEach(async () => {
  await replay.close();
  await rm(dir, { recursive: true, force: true });
});

function principal(overrides: Partial<KeyPrincipal> = {}): KeyPrincipal {
  return {
    via: "key",
    keyId: "ci",
    jti: randomUUID(),
    exp: Math.floor(Date.now() / 1000) + 300,
    app: "webdemo",
    op: "deploy",
    sha256: SHA,
    who: { keyId: "ci" },
    ...overrides,
  };
}

interface Req {
  app?: string;
  op?: Op;
  sha256?: string;
}
const request = ({ app = "webdemo", op = "deploy", ...rest }: Req = {}) => ({
  app: apps.get(app)!,
  op,
  sha256: "sha256" in rest ? rest.sha256 : SHA,
});

describe("authorize", () => {
  it("allows a matching token and spends its jti on disk", async () => {
    const p = principal();
    await authorize(p, request(), replay);
    expect(replay.has(p.jti)).toBe(true);
    expect(await readFile(file, "utf8")).toContain(p.jti);
  });

  it("allows a key that the app's own auth block names", async () => {
    const p = principal({ app: "narrowed", keyId: "bot" });
    await expect(authorize(p, request({ app: "narrowed" }), replay)).resolves.toBeUndefined();
  });

  it("does not require sha256 for swap, rollback and status", async () => {
    for (const op of ["swap", "rollback", "status"] as const)
      await expect(
        authorize(principal({ op, sha256: undefined }), request({ op, sha256: undefined }), replay),
      ).resolves.toBeUndefined();
  });

  it.each<[string, Partial<KeyPrincipal>, Req, string, number]>([
    ["another app", { app: "otherapp" }, {}, "ERR_WRONG_APP", 403],
    ["another app, differing in case only", { app: "WebDemo" }, {}, "ERR_WRONG_APP", 403],
    ["another op", { op: "upload" }, {}, "ERR_WRONG_OP", 403],
    [
      "a key the app does not allow",
      { app: "narrowed" },
      { app: "narrowed" },
      "ERR_KEY_NOT_ALLOWED",
      403,
    ],
    ["another artifact", { sha256: OTHER_SHA }, {}, "ERR_SHA256_MISMATCH", 403],
    ["a request without the sha256 header", {}, { sha256: undefined }, "ERR_SHA256_MISMATCH", 403],
    ["a deploy token without sha256", { sha256: undefined }, {}, "ERR_CLAIM_MISSING", 401],
    [
      "an upload token without sha256",
      { op: "upload", sha256: undefined },
      { op: "upload" },
      "ERR_CLAIM_MISSING",
      401,
    ],
  ])("refuses %s and leaves the replay store as it was", async (_, p, r, code, status) => {
    const token = principal(p);
    const before = await readFile(file);
    await expect(authorize(token, request(r), replay)).rejects.toThrow(
      expect.objectContaining({ code, status }),
    );
    expect((await readFile(file)).equals(before)).toBe(true);
    expect(replay.has(token.jti)).toBe(false);
    // Reloaded from disk, the refused jti is not there either.
    const reloaded = new ReplayStore(file, () => {});
    try {
      expect(reloaded.has(token.jti)).toBe(false);
      expect(reloaded.has("earlier")).toBe(true);
    } finally {
      await reloaded.close();
    }
  });

  it("refuses a used jti, then and after a restart, without writing it again", async () => {
    const p = principal();
    await authorize(p, request(), replay);
    const before = await readFile(file);
    await expect(authorize({ ...p }, request(), replay)).rejects.toThrow(
      expect.objectContaining({ code: "ERR_REPLAYED", status: 401 }),
    );
    expect((await readFile(file)).equals(before)).toBe(true);
    await replay.close();
    replay = new ReplayStore(file, () => {});
    await expect(authorize({ ...p }, request(), replay)).rejects.toThrow(
      expect.objectContaining({ code: "ERR_REPLAYED" }),
    );
  });

  it("answers only once the jti is on disk: of two requests at once with it, one passes", async () => {
    const p = principal();
    const outcomes = await Promise.allSettled([
      authorize(p, request(), replay),
      authorize({ ...p }, request(), replay),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected"]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: "ERR_REPLAYED" });
    // Accepted means on disk: a restarted receiver refuses it.
    const reloaded = new ReplayStore(file, () => {});
    try {
      expect(reloaded.has(p.jti)).toBe(true);
    } finally {
      await reloaded.close();
    }
  });

  it.skipIf(!existsSync("/dev/full"))(
    "refuses a token whose jti cannot be written, and does not count it as used",
    async () => {
      await replay.close();
      await rm(file);
      await symlink("/dev/full", file);
      const p = principal();
      await expect(authorize(p, request(), replay)).rejects.toMatchObject({ code: "ENOSPC" });
      expect(replay.has(p.jti)).toBe(false);
    },
  );
});

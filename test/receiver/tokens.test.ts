import { generateKeyPairSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, sha256 } from "../helpers/api-client.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { snapshot } from "../helpers/snapshot.js";
import { mint, unsecured } from "../helpers/tokens.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

const now = () => Math.floor(Date.now() / 1000);

describe("token checks: every bad token is refused and changes nothing", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;
  let body: Buffer;
  const ed = generateKeyPairSync("ed25519");
  const edPublicPem = ed.publicKey.export({ type: "spki", format: "pem" }).toString();
  const used: string[] = [];

  beforeAll(async () => {
    ws = createWorkspace({
      config: {
        auth: {
          keys: [
            { id: "ci", secret: "${HOTSWAP_SECRET}" },
            { id: "bot", publicKey: "./bot.pub.pem" },
          ],
        },
      },
    });
    writeFileSync(join(ws.dir, "bot.pub.pem"), edPublicPem);
    rx = await startReceiver(ws.configFile);
    body = readFileSync(ws.version("v2"));
  });
  afterAll(() => rx?.stop());

  const sha = () => sha256(body);
  const cases: [string, () => Promise<string | undefined>, number, string][] = [
    ["no token", async () => undefined, 401, "ERR_NO_TOKEN"],
    ["a malformed token", async () => "abc.def", 401, "ERR_TOKEN_MALFORMED"],
    [
      "signed with the wrong secret",
      () =>
        mint({ op: "deploy", sha256: sha(), secret: "another-secret-0123456789abcdef0123456789" }),
      401,
      "ERR_BAD_SIGNATURE",
    ],
    [
      "an unknown key id",
      () => mint({ op: "deploy", sha256: sha(), kid: "nobody" }),
      401,
      "ERR_UNKNOWN_KEY",
    ],
    [
      "expired",
      () => mint({ op: "deploy", sha256: sha(), iat: now() - 600, exp: now() - 300 }),
      401,
      "ERR_EXPIRED",
    ],
    [
      "iat in the future",
      () => mint({ op: "deploy", sha256: sha(), iat: now() + 120 }),
      401,
      "ERR_IAT_FUTURE",
    ],
    [
      "living longer than 5 minutes",
      () => mint({ op: "deploy", sha256: sha(), exp: now() + 3600 }),
      401,
      "ERR_LIFETIME",
    ],
    [
      "without exp",
      () => mint({ op: "deploy", sha256: sha(), claims: { exp: undefined } }),
      401,
      "ERR_CLAIM_MISSING",
    ],
    [
      "without jti",
      () => mint({ op: "deploy", sha256: sha(), claims: { jti: undefined } }),
      401,
      "ERR_CLAIM_MISSING",
    ],
    ["without sha256 on a deploy", () => mint({ op: "deploy" }), 401, "ERR_CLAIM_MISSING"],
    [
      "for another audience",
      () => mint({ op: "deploy", sha256: sha(), audience: "https://other.test" }),
      401,
      "ERR_AUDIENCE",
    ],
    [
      "for another app",
      () => mint({ op: "deploy", sha256: sha(), app: "other" }),
      403,
      "ERR_WRONG_APP",
    ],
    ["for another operation", () => mint({ op: "upload", sha256: sha() }), 403, "ERR_WRONG_OP"],
    [
      "bound to another artifact",
      () => mint({ op: "deploy", sha256: sha256("other bytes") }),
      403,
      "ERR_SHA256_MISMATCH",
    ],
    [
      "alg none",
      async () =>
        unsecured({
          aud: "https://deploy.test",
          iat: now(),
          exp: now() + 60,
          jti: "n1",
          app: "webdemo",
          op: "deploy",
          sha256: sha(),
        }),
      401,
      "ERR_ALG_NOT_ALLOWED",
    ],
    [
      "alg NoNe",
      async () =>
        unsecured(
          {
            aud: "https://deploy.test",
            iat: now(),
            exp: now() + 60,
            jti: "n2",
            app: "webdemo",
            op: "deploy",
            sha256: sha(),
          },
          "NoNe",
        ),
      401,
      "ERR_ALG_NOT_ALLOWED",
    ],
    [
      "HS256 signed with the Ed25519 key's public PEM",
      () => mint({ op: "deploy", sha256: sha(), kid: "bot", secret: edPublicPem }),
      401,
      "ERR_ALG_NOT_ALLOWED",
    ],
  ];

  it.each(cases)("refuses a token %s", async (_, token, status, code) => {
    const before = snapshot(ws.dir);
    const t = await token();
    if (t) used.push(t);
    const r = await call(rx.api, "/v1/apps/webdemo/deploy", { token: t, body, sha256: sha() });
    expect(r.status).toBe(status);
    expect(r.json).toMatchObject({ error: { code } });
    if (status === 401)
      expect(r.headers.get("www-authenticate")).toMatch(/^Bearer realm="hotswap"/);
    // Nothing on disk changed (exeFile, updateFile, data/, the servers' pid record).
    expect(snapshot(ws.dir)).toEqual(before);
  });

  it("accepts a good Ed25519 token, and refuses it the second time (single-use jti)", async () => {
    // mint() signs with a secret; this one is signed with the Ed25519 private key.
    const ed25519 = await new SignJWT({ app: "webdemo", op: "status", jti: `j-${Date.now()}` })
      .setProtectedHeader({ alg: "EdDSA", typ: "JWT", kid: "bot" })
      .setAudience("https://deploy.test")
      .setIssuedAt()
      .setExpirationTime("2m")
      .sign(ed.privateKey);
    used.push(ed25519);
    expect((await call(rx.api, "/v1/apps/webdemo", { token: ed25519 })).status).toBe(200);
    const again = await call(rx.api, "/v1/apps/webdemo", { token: ed25519 });
    expect(again.status).toBe(401);
    expect(again.json).toMatchObject({ error: { code: "ERR_REPLAYED" } });
  });

  it("remembers spent tokens across a restart", async () => {
    const token = await mint({ op: "status" });
    used.push(token);
    expect((await call(rx.api, "/v1/apps/webdemo", { token })).status).toBe(200);
    await rx.stop();
    rx = await startReceiver(ws.configFile);
    const again = await call(rx.api, "/v1/apps/webdemo", { token });
    expect(again.json).toMatchObject({ error: { code: "ERR_REPLAYED" } });
  });

  it("never writes a token to its log", () => {
    const log = rx.logs.join("\n");
    expect(used.length).toBeGreaterThan(10);
    for (const token of used.filter(Boolean))
      expect(log).not.toContain(token.split(".")[2] || token);
  });
});

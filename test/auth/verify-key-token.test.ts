// verifyKeyToken against keys loaded the way the receiver loads them (loadKeys on a
// config with PEM files): each key id takes one algorithm, and a token's own header
// can never pick the key or the algorithm it is checked with.
import { randomUUID, generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, SignJWT, type JWTHeaderParameters, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadKeys, type VerifyKey } from "../../receiver/auth/load-keys.js";
import { verifyKeyToken } from "../../receiver/auth/verify-key-token.js";
import { loadConfig } from "../../receiver/config/load-config.js";

const AUDIENCE = "https://deploy.test";
const SECRET = "0123456789abcdef0123456789abcdef-secret";
const now = () => Math.floor(Date.now() / 1000);

const ed = generateKeyPairSync("ed25519");
const es = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const esPublicPem = es.publicKey.export({ type: "spki", format: "pem" }).toString();
// Keys the receiver does not know, of the same types.
const otherEd = generateKeyPairSync("ed25519");
const otherEs = generateKeyPairSync("ec", { namedCurve: "prime256v1" });

let dir: string;
let keys: Map<string, VerifyKey>;
// A JWKS endpoint an attacker points jku at: it must never be asked.
let jwks: Server;
let jwksUrl: string;
let jwksHits = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hotswap-verify-"));
  await writeFile(join(dir, "ed.pub.pem"), ed.publicKey.export({ type: "spki", format: "pem" }));
  await writeFile(join(dir, "es.pub.pem"), esPublicPem);
  const file = join(dir, "hotswap.yaml");
  await writeFile(
    file,
    stringify({
      audience: AUDIENCE,
      auth: {
        keys: [
          { id: "ci", secret: SECRET },
          { id: "ed", publicKey: "./ed.pub.pem" },
          { id: "es", publicKey: "./es.pub.pem" },
        ],
      },
      apps: {},
    }),
  );
  keys = loadKeys(loadConfig(file, {}));
  const attackerJwk = { ...(await exportJWK(otherEs.publicKey)), kid: "es", alg: "ES256" };
  jwks = createServer((_, res) => {
    jwksHits++;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ keys: [attackerJwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
});
afterAll(async () => {
  await new Promise((resolve) => jwks.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

interface Mint {
  alg: string;
  key: KeyObject | Uint8Array;
  kid?: string;
  header?: Partial<JWTHeaderParameters>;
  claims?: JWTPayload;
  /** exp − iat in seconds, from the same clock reading (default 300). */
  lifetime?: number;
}

function mint({ alg, key, kid, header, claims, lifetime = 300 }: Mint): Promise<string> {
  const iat = now();
  return new SignJWT({
    aud: AUDIENCE,
    iat,
    exp: iat + lifetime,
    jti: randomUUID(),
    app: "webdemo",
    op: "deploy",
    sha256: "a".repeat(64),
    ...claims,
  })
    .setProtectedHeader({ alg, typ: "JWT", ...(kid ? { kid } : {}), ...header })
    .sign(key);
}

const secret = new TextEncoder().encode(SECRET);

describe("loadKeys", () => {
  it("pins each key id to the algorithm of its key", () => {
    expect(keys.get("ci")?.alg).toBe("HS256");
    expect(keys.get("ed")?.alg).toBe("EdDSA");
    expect(keys.get("es")?.alg).toBe("ES256");
  });
});

describe("verifyKeyToken", () => {
  it.each<[string, Mint]>([
    ["HS256", { alg: "HS256", key: secret, kid: "ci" }],
    ["EdDSA", { alg: "EdDSA", key: ed.privateKey, kid: "ed" }],
    ["ES256", { alg: "ES256", key: es.privateKey, kid: "es" }],
  ])("accepts a good %s token and says which key it was", async (_, m) => {
    const claims = await verifyKeyToken(await mint(m), keys, AUDIENCE);
    expect(claims).toMatchObject({ kid: m.kid, app: "webdemo", op: "deploy", aud: AUDIENCE });
  });

  it.each<[string, Mint, string]>([
    [
      "an ES256 token under the EdDSA key's id",
      { alg: "ES256", key: es.privateKey, kid: "ed" },
      "ERR_ALG_NOT_ALLOWED",
    ],
    [
      "an EdDSA token under the ES256 key's id",
      { alg: "EdDSA", key: ed.privateKey, kid: "es" },
      "ERR_ALG_NOT_ALLOWED",
    ],
    [
      "an HS256 token keyed with the ES256 public PEM",
      { alg: "HS256", key: new TextEncoder().encode(esPublicPem), kid: "es" },
      "ERR_ALG_NOT_ALLOWED",
    ],
    [
      "an ES256 token under the HS256 key's id",
      { alg: "ES256", key: es.privateKey, kid: "ci" },
      "ERR_ALG_NOT_ALLOWED",
    ],
    [
      "an EdDSA token from another Ed25519 key",
      { alg: "EdDSA", key: otherEd.privateKey, kid: "ed" },
      "ERR_BAD_SIGNATURE",
    ],
    [
      "an ES256 token from another P-256 key",
      { alg: "ES256", key: otherEs.privateKey, kid: "es" },
      "ERR_BAD_SIGNATURE",
    ],
    ["no kid", { alg: "ES256", key: es.privateKey }, "ERR_UNKNOWN_KEY"],
    ["an unknown kid", { alg: "ES256", key: es.privateKey, kid: "nobody" }, "ERR_UNKNOWN_KEY"],
    [
      "another audience",
      { alg: "EdDSA", key: ed.privateKey, kid: "ed", claims: { aud: "https://elsewhere.test" } },
      "ERR_AUDIENCE",
    ],
    [
      "a lifetime over 5 minutes",
      { alg: "EdDSA", key: ed.privateKey, kid: "ed", lifetime: 301 },
      "ERR_LIFETIME",
    ],
    [
      "an uppercase sha256",
      { alg: "ES256", key: es.privateKey, kid: "es", claims: { sha256: "A".repeat(64) } },
      "ERR_CLAIM_INVALID",
    ],
    [
      "an unknown op",
      { alg: "ES256", key: es.privateKey, kid: "es", claims: { op: "format-disk" } },
      "ERR_CLAIM_INVALID",
    ],
  ])("refuses %s", async (_, m, code) => {
    await expect(verifyKeyToken(await mint(m), keys, AUDIENCE)).rejects.toMatchObject({ code });
  });

  it("refuses a token without a jti", async () => {
    const token = await mint({
      alg: "EdDSA",
      key: ed.privateKey,
      kid: "ed",
      claims: { jti: undefined },
    });
    await expect(verifyKeyToken(token, keys, AUDIENCE)).rejects.toMatchObject({
      code: "ERR_CLAIM_MISSING",
    });
  });

  describe("a token that carries its own key (jku, jwk)", () => {
    it("is checked against the configured key only, and nothing is fetched", async () => {
      const attackerJwk = await exportJWK(otherEs.publicKey);
      const forged = await mint({
        alg: "ES256",
        key: otherEs.privateKey,
        kid: "es",
        header: { jku: jwksUrl, jwk: attackerJwk },
      });
      await expect(verifyKeyToken(forged, keys, AUDIENCE)).rejects.toMatchObject({
        code: "ERR_BAD_SIGNATURE",
      });
      const forgedEd = await mint({
        alg: "EdDSA",
        key: otherEd.privateKey,
        kid: "ed",
        header: { jwk: await exportJWK(otherEd.publicKey) },
      });
      await expect(verifyKeyToken(forgedEd, keys, AUDIENCE)).rejects.toMatchObject({
        code: "ERR_BAD_SIGNATURE",
      });
      // Signed by the configured key, the same headers change nothing either way.
      const genuine = await mint({
        alg: "ES256",
        key: es.privateKey,
        kid: "es",
        header: { jku: jwksUrl, jwk: attackerJwk },
      });
      await expect(verifyKeyToken(genuine, keys, AUDIENCE)).resolves.toMatchObject({ kid: "es" });
      expect(jwksHits).toBe(0);
    });
  });
});

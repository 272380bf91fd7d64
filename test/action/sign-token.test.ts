import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { decodeProtectedHeader, jwtVerify } from "jose";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { credential } from "../../api-client/credential.js";
import { actionSigner } from "../../action/action-client.js";
import type { Settings } from "../../action/settings.js";
import { signingKey } from "../../api-client/signing-key.js";
import { signToken } from "../../api-client/sign-token.js";

const SECRET = "correct-horse-battery-staple-0123456789";
const SHA = "c".repeat(64);
const claims = {
  aud: "https://deploy.example.com",
  app: "webdemo",
  op: "deploy" as const,
  sha256: SHA,
};

function ed25519() {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { pem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), publicKey };
}

describe("signToken", () => {
  it("signs HS256 with the secret: header, claims, five-minute life", async () => {
    const token = await signToken(signingKey(SECRET), "ci", claims);
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(SECRET), {
      algorithms: ["HS256"],
      audience: claims.aud,
      requiredClaims: ["exp", "iat", "jti"],
    });
    expect(protectedHeader).toEqual({ alg: "HS256", typ: "JWT", kid: "ci" });
    expect(payload).toMatchObject({ app: "webdemo", op: "deploy", sha256: SHA });
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(5);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("gives every token its own jti", async () => {
    const key = signingKey(SECRET);
    const [a, b] = await Promise.all([signToken(key, "ci", claims), signToken(key, "ci", claims)]);
    const jti = async (t: string) =>
      (await jwtVerify(t, new TextEncoder().encode(SECRET), { audience: claims.aud })).payload.jti;
    expect(await jti(a)).not.toBe(await jti(b));
  });

  it("signs EdDSA with an Ed25519 PEM key", async () => {
    const { pem, publicKey } = ed25519();
    const token = await signToken(signingKey(pem), "release-bot", claims);
    const { protectedHeader } = await jwtVerify(token, publicKey, { algorithms: ["EdDSA"] });
    expect(protectedHeader).toEqual({ alg: "EdDSA", typ: "JWT", kid: "release-bot" });
  });

  it("signs ES256 with a P-256 key given as JWK", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = JSON.stringify(privateKey.export({ format: "jwk" }));
    const token = await signToken(signingKey(jwk), "ci", claims);
    await jwtVerify(token, publicKey, { algorithms: ["ES256"] });
    expect(decodeProtectedHeader(token).alg).toBe("ES256");
  });

  it.each([
    ["a short secret", "x".repeat(31), "key is a 31-byte secret; HS256 needs at least 32 bytes"],
    [
      "a public key",
      createPublicKey(ed25519().pem).export({ type: "spki", format: "pem" }).toString(),
      "not a private key in PEM form",
    ],
    [
      "a public JWK",
      JSON.stringify(createPublicKey(ed25519().pem).export({ format: "jwk" })),
      "public OKP JWK",
    ],
    ["broken JSON", "{not json", "not valid JSON"],
    [
      "an RSA key",
      generateKeyPairSync("rsa", { modulusLength: 1024 })
        .privateKey.export({ type: "pkcs8", format: "pem" })
        .toString(),
      "key is a rsa key",
    ],
  ])("refuses %s", (_name, key, message) => {
    expect(() => signingKey(key)).toThrow(message);
  });
});

describe("credential", () => {
  const settings: Settings = {
    url: "https://deploy.example.com",
    app: "webdemo",
    operation: "upload",
    keyId: "ci",
    audience: "https://aud.example.com",
    force: false,
    timeoutMs: 1000,
    key: signingKey(SECRET),
  };
  const workflow = {
    GITHUB_REPOSITORY: "octo/webdemo",
    GITHUB_REF: "refs/tags/v1.2.3",
    GITHUB_SHA: "f".repeat(40),
    GITHUB_RUN_ID: "4242",
    GITHUB_ACTOR: "octocat",
  };
  beforeEach(() => {
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    for (const [name, value] of Object.entries(workflow)) vi.stubEnv(name, value);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it("names the workflow run in a key-mode token, for the receiver's journal", async () => {
    const token = await credential({ ...settings, op: "upload", sha256: SHA }, actionSigner);
    const { payload } = await jwtVerify(token, new TextEncoder().encode(SECRET), {
      audience: "https://aud.example.com",
    });
    expect(payload).toMatchObject({
      app: "webdemo",
      op: "upload",
      sha256: SHA,
      repository: "octo/webdemo",
      ref: "refs/tags/v1.2.3",
      sha: workflow.GITHUB_SHA,
      run_id: "4242",
      actor: "octocat",
    });
  });

  it("leaves out sha256 when there is no artifact", async () => {
    const token = await credential({ ...settings, op: "swap" }, actionSigner);
    const { payload } = await jwtVerify(token, new TextEncoder().encode(SECRET));
    expect(payload.op).toBe("swap");
    expect(payload).not.toHaveProperty("sha256");
  });
});

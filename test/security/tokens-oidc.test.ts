// The catalogue of attacks on keyless (GitHub OIDC) tokens, against a local stand-in
// for GitHub's issuer. The receiver trusts that issuer for webdemo (the policy pins the
// stand-in's repository id) and keeps its keys too; billing admits only key `ed`. Each
// attack must get its documented status and code, change nothing on disk, start no
// process, fetch nothing a token names, and leave no token in the log.
import { createPublicKey, generateKeyPairSync, type JsonWebKey } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boundAudience, type Op } from "../../receiver/protocol.js";
import { sha256 } from "../helpers/api-client.js";
import {
  githubClaims,
  REPO,
  startIssuer,
  type GithubClaims,
  type Issuer,
  type MintOptions,
} from "../helpers/oidc-issuer.js";
import { SECRET, unsecured } from "../helpers/tokens.js";
import { attackTarget, AUDIENCE, hmac, jtiOf, jws, now, pem, signWith } from "./fixture.js";

const ATTACKER = {
  rsa: generateKeyPairSync("rsa", { modulusLength: 2048 }),
  es: generateKeyPairSync("ec", { namedCurve: "P-256" }),
};

describe("keyless tokens: every attack is refused and leaves no trace", () => {
  let issuer: Issuer;
  /** The issuer's current public key, as anyone can download it from its JWKS. */
  let issuerPem: string;
  let issuerJwk: string;

  beforeAll(async () => {
    issuer = await startIssuer();
    const { keys } = (await (await fetch(issuer.jwksUri)).json()) as { keys: JsonWebKey[] };
    issuerJwk = JSON.stringify(keys[0]);
    issuerPem = pem(createPublicKey({ key: keys[0]!, format: "jwk" }));
  });
  afterAll(async () => {
    await issuer?.stop();
  });
  // Started after the issuer (the hook above), which the receiver trusts for webdemo.
  const target = attackTarget(() => ({
    auth: { github: { issuer: issuer.url, repositoryIds: [REPO.repository_id] } },
  }));
  const { expectRefused, send } = target;

  /** An ID token from the issuer, bound to one call (webdemo, deploy, the body by default). */
  const oidc = (
    claims: Partial<GithubClaims> & Record<string, unknown> = {},
    options: Partial<MintOptions> = {},
    bound: { app?: string; op?: Op; sha?: string } = {},
  ) =>
    issuer.mint(claims, {
      audience: boundAudience(
        AUDIENCE,
        bound.app ?? "webdemo",
        bound.op ?? "deploy",
        "sha" in bound ? bound.sha : target.sha,
      ),
      ...options,
    });

  /** GitHub's claims for a deploy of the body to webdemo, for a token an attacker signs. */
  const claims = (overrides: Partial<GithubClaims> = {}) =>
    githubClaims(overrides, {
      iss: issuer.url,
      aud: boundAudience(AUDIENCE, "webdemo", "deploy", target.sha),
      iat: now(),
      lifetimeS: 300,
    });

  describe("algorithm: GitHub ID tokens are RS256 from the issuer's keys", () => {
    it.each(["none", "None", "NONE"])(
      "alg %s (unsecured): 401 ERR_ALG_NOT_ALLOWED",
      async (alg) => {
        await expectRefused(unsecured(claims(), alg), 401, "ERR_ALG_NOT_ALLOWED");
      },
    );

    it.each([
      ["public PEM", () => issuerPem],
      ["public JWK text", () => issuerJwk],
    ])(
      "HS256 signed with the issuer's %s as the secret (key confusion): 401 ERR_ALG_NOT_ALLOWED",
      async (_, publicKey) => {
        const header = { alg: "HS256", typ: "JWT", kid: issuer.currentKid };
        await expectRefused(jws(header, claims(), hmac(publicKey())), 401, "ERR_ALG_NOT_ALLOWED");
      },
    );

    it("RS256 signed by an attacker's key under the issuer's kid: 401 ERR_BAD_SIGNATURE", async () => {
      const header = { alg: "RS256", typ: "JWT", kid: issuer.currentKid };
      const token = jws(header, claims(), signWith(ATTACKER.rsa.privateKey, "RS256"));
      await expectRefused(token, 401, "ERR_BAD_SIGNATURE");
    });

    it("RS256 signed by an attacker's key under a kid the issuer never published: 401 ERR_UNKNOWN_KEY", async () => {
      const header = { alg: "RS256", typ: "JWT", kid: "attacker" };
      const token = jws(header, claims(), signWith(ATTACKER.rsa.privateKey, "RS256"));
      await expectRefused(token, 401, "ERR_UNKNOWN_KEY");
    });

    it("ES256 with an attacker's key: 401 ERR_ALG_NOT_ALLOWED", async () => {
      const header = { alg: "ES256", typ: "JWT", kid: issuer.currentKid };
      const token = jws(header, claims(), signWith(ATTACKER.es.privateKey, "ES256"));
      await expectRefused(token, 401, "ERR_ALG_NOT_ALLOWED");
    });

    it("a key-mode HS256 token (the receiver's own secret) dressed up with the issuer's iss: 401 ERR_ALG_NOT_ALLOWED", async () => {
      const token = jws({ alg: "HS256", typ: "JWT", kid: "ci" }, claims(), hmac(SECRET));
      await expectRefused(token, 401, "ERR_ALG_NOT_ALLOWED");
    });

    it("an issuer-signed token without iss, to pass as a key-mode token: 401 ERR_UNKNOWN_KEY", async () => {
      await expectRefused(await oidc({ iss: undefined }), 401, "ERR_UNKNOWN_KEY");
    });
  });

  describe("header injection and issuers: the receiver fetches nothing a token names", () => {
    it("jku pointing at an attacker's JWKS: 401 ERR_UNKNOWN_KEY, no fetch", async () => {
      target.trap.body = {
        keys: [{ ...ATTACKER.rsa.publicKey.export({ format: "jwk" }), kid: "attacker" }],
      };
      const header = { alg: "RS256", typ: "JWT", kid: "attacker", jku: `${target.trap.url}/jwks` };
      const token = jws(header, claims(), signWith(ATTACKER.rsa.privateKey, "RS256"));
      await expectRefused(token, 401, "ERR_UNKNOWN_KEY");
    });

    it("x5u pointing at an attacker's certificate: 401 ERR_BAD_SIGNATURE, no fetch", async () => {
      const header = {
        alg: "RS256",
        typ: "JWT",
        kid: issuer.currentKid,
        x5u: `${target.trap.url}/c`,
      };
      const token = jws(header, claims(), signWith(ATTACKER.rsa.privateKey, "RS256"));
      await expectRefused(token, 401, "ERR_BAD_SIGNATURE");
    });

    it("jwk embedding the attacker's public key: 401 ERR_BAD_SIGNATURE", async () => {
      const jwk = ATTACKER.rsa.publicKey.export({ format: "jwk" });
      const header = { alg: "RS256", typ: "JWT", kid: issuer.currentKid, jwk };
      const token = jws(header, claims(), signWith(ATTACKER.rsa.privateKey, "RS256"));
      await expectRefused(token, 401, "ERR_BAD_SIGNATURE");
    });

    it("iss naming the attacker's own issuer (its discovery would be fetched): 401 ERR_ISSUER, no fetch", async () => {
      const token = await oidc({}, { issuer: target.trap.url });
      await expectRefused(token, 401, "ERR_ISSUER");
    });

    it("iss with a trailing slash: 401 ERR_ISSUER", async () => {
      await expectRefused(await oidc({}, { issuer: `${issuer.url}/` }), 401, "ERR_ISSUER");
    });
  });

  describe("time", () => {
    it("expired: 401 ERR_EXPIRED", async () => {
      await expectRefused(await oidc({}, { iat: now() - 900 }), 401, "ERR_EXPIRED");
    });

    it("nbf ten minutes in the future: 401 ERR_CLAIM_INVALID", async () => {
      const token = await oidc({ nbf: now() + 600 });
      expect(await expectRefused(token, 401, "ERR_CLAIM_INVALID")).toContain("nbf");
    });

    it("iat an hour in the future, without nbf: 401 ERR_IAT_FUTURE", async () => {
      const token = await oidc({ nbf: undefined }, { iat: now() + 3600 });
      await expectRefused(token, 401, "ERR_IAT_FUTURE");
    });
  });

  describe("claims and binding", () => {
    it.each(["aud", "exp", "iat", "jti"] as const)(
      "without %s: 401 ERR_CLAIM_MISSING naming it",
      async (claim) => {
        const token = await oidc({ [claim]: undefined });
        expect(await expectRefused(token, 401, "ERR_CLAIM_MISSING")).toContain(claim);
      },
    );

    it("for another receiver's audience: 401 ERR_AUDIENCE", async () => {
      const token = await issuer.mint(
        {},
        { audience: boundAudience("https://other.test", "webdemo", "deploy", target.sha) },
      );
      await expectRefused(token, 401, "ERR_AUDIENCE");
    });

    it("for the bare audience, bound to nothing: 401 ERR_AUDIENCE", async () => {
      await expectRefused(await oidc({}, { audience: AUDIENCE }), 401, "ERR_AUDIENCE");
    });

    it.each<[string, { app?: string; op?: Op; sha?: string }]>([
      ["another app (billing's token used on webdemo)", { app: "billing" }],
      ["another operation (upload)", { op: "upload" }],
      ["another artifact", { sha: sha256("another build") }],
      ["no artifact (sha256=-)", { sha: undefined }],
    ])("aud bound to %s: 401 ERR_AUDIENCE", async (_, bound) => {
      await expectRefused(await oidc({}, {}, bound), 401, "ERR_AUDIENCE");
    });

    it("a keyless token for billing, whose auth block names no github policy: 403 ERR_OIDC_POLICY", async () => {
      const token = await oidc({}, {}, { app: "billing" });
      await expectRefused(token, 403, "ERR_OIDC_POLICY", { app: "billing" });
    });

    it("a workflow of another repository: 403 ERR_OIDC_POLICY", async () => {
      const token = await oidc({ repository_id: "111", repository: "mallory/webdemo" });
      expect(await expectRefused(token, 403, "ERR_OIDC_POLICY")).toContain("repository_id");
    });

    it("a pull_request workflow: 403 ERR_OIDC_POLICY", async () => {
      const token = await oidc({ event_name: "pull_request", head_ref: "evil", base_ref: "main" });
      expect(await expectRefused(token, 403, "ERR_OIDC_POLICY")).toContain("pull_request");
    });

    it("a good token with a body whose digest differs: 400 ERR_DIGEST_MISMATCH, nothing staged", async () => {
      const other = sha256("another build");
      const token = await oidc({}, {}, { sha: other });
      await expectRefused(token, 400, "ERR_DIGEST_MISMATCH", { sha: other, spends: true });
    });
  });

  describe("replay", () => {
    it("the same token twice: 401 ERR_REPLAYED", async () => {
      const token = target.scene.track(await oidc({}, {}, { op: "status", sha: undefined }));
      expect((await send(token, { op: "status" })).status).toBe(200);
      await expectRefused(token, 401, "ERR_REPLAYED", { op: "status" });
    });

    it("another token from the issuer with a spent jti: 401 ERR_REPLAYED", async () => {
      const spent = target.scene.track(await oidc({}, {}, { op: "status", sha: undefined }));
      expect((await send(spent, { op: "status" })).status).toBe(200);
      await expectRefused(await oidc({ jti: jtiOf(spent) }), 401, "ERR_REPLAYED");
    });

    it("the same token after a restart: 401 ERR_REPLAYED", async () => {
      const token = target.scene.track(await oidc({}, {}, { op: "status", sha: undefined }));
      expect((await send(token, { op: "status" })).status).toBe(200);
      await target.scene.restart();
      await expectRefused(token, 401, "ERR_REPLAYED", { op: "status" });
    });
  });

  describe("size and form", () => {
    it("an issuer-signed token over 8 KiB: 401 ERR_TOKEN_TOO_LARGE", async () => {
      const token = await oidc({ pad: "x".repeat(9000) });
      await expectRefused(token, 401, "ERR_TOKEN_TOO_LARGE");
    });

    it.each<[string, () => Promise<string>]>([
      [
        "a signature outside base64url",
        async () => `${(await oidc()).split(".", 2).join(".")}.!!!`,
      ],
      [
        "a header that is not JSON",
        async () => `${Buffer.from("{{").toString("base64url")}.${(await oidc()).split(".")[1]}.x`,
      ],
    ])("malformed, %s: 401 ERR_TOKEN_MALFORMED", async (_, token) => {
      await expectRefused(await token(), 401, "ERR_TOKEN_MALFORMED");
    });
  });

  it("never logged a token, and never connected to a URL a token named", async () => {
    expect(target.scene.tokens.length).toBeGreaterThan(30);
    await target.scene.rx.stop();
    target.scene.expectNoTokenLogged();
    expect(target.trap.connections).toBe(0);
  });
});

// The catalogue of attacks on key-mode tokens (docs/design.md §5 and guarantee 6). Each
// attack is sent as a deploy of a real build (unless it targets another route) to a
// receiver that trusts three keys, `ci` (HS256 secret), `ed` (Ed25519 public key) and
// `es` (P-256 public key), and runs two apps, webdemo and billing (billing: key `ed`
// only). Each must get its documented status and code, change nothing on disk, start
// no process, make the receiver fetch nothing, and leave no token in the log.
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Op } from "../../receiver/protocol.js";
import { sha256 } from "../helpers/api-client.js";
import { mint, SECRET, unsecured } from "../helpers/tokens.js";
import {
  attackTarget,
  AUDIENCE,
  ED,
  ES,
  goodClaims,
  hmac,
  hs256,
  HS256_HEADER,
  jtiOf,
  jws,
  now,
  pem,
  signWith,
} from "./fixture.js";

const ATTACKER = {
  rsa: generateKeyPairSync("rsa", { modulusLength: 2048 }),
  ed: generateKeyPairSync("ed25519"),
  es: generateKeyPairSync("ec", { namedCurve: "P-256" }),
  secret: "attacker-secret-0123456789abcdef0123456789",
};

describe("key-mode tokens: every attack is refused and leaves no trace", () => {
  const target = attackTarget();
  const { expectRefused, send } = target;

  /** Claims of a good deploy of the build to webdemo, changed by `overrides`. */
  const deploy = (overrides: Record<string, unknown> = {}) =>
    goodClaims("deploy", { sha256: target.sha, ...overrides });

  describe("algorithm: a token cannot choose how it is checked", () => {
    it.each(["none", "None", "NONE", "nOnE"])(
      "alg %s (unsecured): 401 ERR_ALG_NOT_ALLOWED",
      async (alg) => {
        await expectRefused(unsecured(deploy(), alg), 401, "ERR_ALG_NOT_ALLOWED");
      },
    );

    it("alg none carrying a valid HS256 signature: 401 ERR_ALG_NOT_ALLOWED", async () => {
      const token = jws({ ...HS256_HEADER, alg: "none" }, deploy(), hmac(SECRET));
      await expectRefused(token, 401, "ERR_ALG_NOT_ALLOWED");
    });

    it.each([
      ["the Ed25519 key's public PEM", "ed", () => pem(ED.publicKey)],
      ["the P-256 key's public PEM", "es", () => pem(ES.publicKey)],
      [
        "the Ed25519 key's public DER bytes",
        "ed",
        () => ED.publicKey.export({ type: "spki", format: "der" }),
      ],
    ] as const)(
      "HS256 signed with %s as the secret (key confusion): 401 ERR_ALG_NOT_ALLOWED",
      async (_, kid, publicKey) => {
        const token = jws({ alg: "HS256", typ: "JWT", kid }, deploy(), hmac(publicKey()));
        await expectRefused(token, 401, "ERR_ALG_NOT_ALLOWED");
      },
    );

    it.each(["ci", "ed", "es"])(
      "RS256 with an attacker's RSA key under kid %s: 401 ERR_ALG_NOT_ALLOWED",
      async (kid) => {
        const token = jws(
          { alg: "RS256", typ: "JWT", kid },
          deploy(),
          signWith(ATTACKER.rsa.privateKey, "RS256"),
        );
        await expectRefused(token, 401, "ERR_ALG_NOT_ALLOWED");
      },
    );

    it("EdDSA under the HS256 key ci: 401 ERR_ALG_NOT_ALLOWED", async () => {
      const token = jws(
        { alg: "EdDSA", typ: "JWT", kid: "ci" },
        deploy(),
        signWith(ATTACKER.ed.privateKey, "EdDSA"),
      );
      await expectRefused(token, 401, "ERR_ALG_NOT_ALLOWED");
    });

    it("ES256 under the EdDSA key ed: 401 ERR_ALG_NOT_ALLOWED", async () => {
      const token = jws(
        { alg: "ES256", typ: "JWT", kid: "ed" },
        deploy(),
        signWith(ATTACKER.es.privateKey, "ES256"),
      );
      await expectRefused(token, 401, "ERR_ALG_NOT_ALLOWED");
    });

    it("EdDSA signed by an attacker's Ed25519 key under kid ed: 401 ERR_BAD_SIGNATURE", async () => {
      const token = jws(
        { alg: "EdDSA", typ: "JWT", kid: "ed" },
        deploy(),
        signWith(ATTACKER.ed.privateKey, "EdDSA"),
      );
      await expectRefused(token, 401, "ERR_BAD_SIGNATURE");
    });

    it("ES256 signed by an attacker's P-256 key under kid es: 401 ERR_BAD_SIGNATURE", async () => {
      const token = jws(
        { alg: "ES256", typ: "JWT", kid: "es" },
        deploy(),
        signWith(ATTACKER.es.privateKey, "ES256"),
      );
      await expectRefused(token, 401, "ERR_BAD_SIGNATURE");
    });

    it("HS256 with another secret: 401 ERR_BAD_SIGNATURE", async () => {
      const token = await mint({ op: "deploy", sha256: target.sha, secret: ATTACKER.secret });
      await expectRefused(token, 401, "ERR_BAD_SIGNATURE");
    });

    it("a stripped signature: 401 ERR_BAD_SIGNATURE", async () => {
      const token = jws(HS256_HEADER, deploy());
      await expectRefused(token, 401, "ERR_BAD_SIGNATURE");
    });

    it("claims changed after signing (billing's token turned into webdemo's): 401 ERR_BAD_SIGNATURE", async () => {
      const [header, , signature] = hs256(deploy({ app: "billing" })).split(".");
      const forged = Buffer.from(JSON.stringify(deploy())).toString("base64url");
      await expectRefused(`${header}.${forged}.${signature}`, 401, "ERR_BAD_SIGNATURE");
    });

    it("crit b64:false (sign the payload unencoded): 401 ERR_TOKEN_MALFORMED", async () => {
      const token = hs256(deploy(), { ...HS256_HEADER, b64: false, crit: ["b64"] });
      await expectRefused(token, 401, "ERR_TOKEN_MALFORMED");
    });
  });

  describe("header injection: the receiver fetches nothing a token names", () => {
    it("jku pointing at an attacker's JWKS (attacker kid): 401 ERR_UNKNOWN_KEY, no fetch", async () => {
      target.trap.body = {
        keys: [{ ...ATTACKER.rsa.publicKey.export({ format: "jwk" }), kid: "attacker" }],
      };
      const token = jws(
        { alg: "RS256", typ: "JWT", kid: "attacker", jku: `${target.trap.url}/jwks.json` },
        deploy(),
        signWith(ATTACKER.rsa.privateKey, "RS256"),
      );
      await expectRefused(token, 401, "ERR_UNKNOWN_KEY");
    });

    it("jku serving an HS256 secret under kid ci: 401 ERR_BAD_SIGNATURE, no fetch", async () => {
      target.trap.body = {
        keys: [{ kty: "oct", kid: "ci", k: Buffer.from(ATTACKER.secret).toString("base64url") }],
      };
      const token = jws(
        { ...HS256_HEADER, jku: `${target.trap.url}/jwks.json` },
        deploy(),
        hmac(ATTACKER.secret),
      );
      await expectRefused(token, 401, "ERR_BAD_SIGNATURE");
    });

    it("x5u pointing at an attacker's certificate, under kid ed: 401 ERR_BAD_SIGNATURE, no fetch", async () => {
      const token = jws(
        { alg: "EdDSA", typ: "JWT", kid: "ed", x5u: `${target.trap.url}/cert.pem` },
        deploy(),
        signWith(ATTACKER.ed.privateKey, "EdDSA"),
      );
      await expectRefused(token, 401, "ERR_BAD_SIGNATURE");
    });

    it("jwk embedding the attacker's own public key, under kid ed: 401 ERR_BAD_SIGNATURE", async () => {
      const token = jws(
        {
          alg: "EdDSA",
          typ: "JWT",
          kid: "ed",
          jwk: ATTACKER.ed.publicKey.export({ format: "jwk" }),
        },
        deploy(),
        signWith(ATTACKER.ed.privateKey, "EdDSA"),
      );
      await expectRefused(token, 401, "ERR_BAD_SIGNATURE");
    });

    it("jwk embedding the attacker's key and no kid: 401 ERR_UNKNOWN_KEY", async () => {
      const token = jws(
        { alg: "EdDSA", typ: "JWT", jwk: ATTACKER.ed.publicKey.export({ format: "jwk" }) },
        deploy(),
        signWith(ATTACKER.ed.privateKey, "EdDSA"),
      );
      await expectRefused(token, 401, "ERR_UNKNOWN_KEY");
    });

    // Each kid is signed with what a receiver that misused it would verify against.
    it.each<[string, unknown, () => Buffer | string]>([
      ["a path to the Ed25519 key file", "./keys/ed.pub.pem", () => pem(ED.publicKey)],
      [
        "a traversal to /etc/passwd",
        "../../../../../../etc/passwd",
        () => readFileSync("/etc/passwd"),
      ],
      ["the trap's URL", "TRAP", () => ATTACKER.secret],
      ["SQL", "ci' OR '1'='1", () => SECRET],
      ["__proto__", "__proto__", () => SECRET],
      ["a case variant of ci", "CI", () => SECRET],
      ["ci with a NUL byte", "ci\u0000", () => SECRET],
      ["a number", 1, () => SECRET],
    ])("kid injection, %s: 401 ERR_UNKNOWN_KEY", async (_, kid, secret) => {
      const header = { ...HS256_HEADER, kid: kid === "TRAP" ? `${target.trap.url}/key` : kid };
      await expectRefused(jws(header, deploy(), hmac(secret())), 401, "ERR_UNKNOWN_KEY");
    });
  });

  describe("time", () => {
    it("expired five minutes ago: 401 ERR_EXPIRED", async () => {
      const token = hs256(deploy({ iat: now() - 600, exp: now() - 300 }));
      await expectRefused(token, 401, "ERR_EXPIRED");
    });

    it("expired 45 s ago, past the 30 s clock tolerance: 401 ERR_EXPIRED", async () => {
      const token = hs256(deploy({ iat: now() - 200, exp: now() - 45 }));
      await expectRefused(token, 401, "ERR_EXPIRED");
    });

    it("nbf ten minutes in the future: 401 ERR_CLAIM_INVALID", async () => {
      const token = hs256(deploy({ nbf: now() + 600 }));
      expect(await expectRefused(token, 401, "ERR_CLAIM_INVALID")).toContain("nbf");
    });

    it("iat two minutes in the future: 401 ERR_IAT_FUTURE", async () => {
      const token = hs256(deploy({ iat: now() + 120, exp: now() + 300 }));
      await expectRefused(token, 401, "ERR_IAT_FUTURE");
    });

    it("living an hour (exp - iat > 300): 401 ERR_LIFETIME", async () => {
      const token = hs256(deploy({ exp: now() + 3600 }));
      await expectRefused(token, 401, "ERR_LIFETIME");
    });
  });

  describe("claims", () => {
    it.each(["aud", "exp", "iat", "jti", "app", "op"])(
      "without %s: 401 ERR_CLAIM_MISSING naming it",
      async (claim) => {
        const token = hs256(deploy({ [claim]: undefined }));
        expect(await expectRefused(token, 401, "ERR_CLAIM_MISSING")).toContain(claim);
      },
    );

    it("a deploy without sha256: 401 ERR_CLAIM_MISSING naming it", async () => {
      const token = hs256(deploy({ sha256: undefined }));
      expect(await expectRefused(token, 401, "ERR_CLAIM_MISSING")).toContain("sha256");
    });

    it.each([
      ["no typ header", { alg: "HS256", kid: "ci" }],
      ["typ at+jwt", { ...HS256_HEADER, typ: "at+jwt" }],
    ])("%s: 401 ERR_CLAIM_INVALID", async (_, header) => {
      await expectRefused(hs256(deploy(), header), 401, "ERR_CLAIM_INVALID");
    });

    it.each<[string, Record<string, unknown>, string]>([
      ["exp as a string", { exp: String(now() + 300) }, "exp"],
      ["an empty jti", { jti: "" }, "jti"],
      ["a jti of 200 characters", { jti: "j".repeat(200) }, "jti"],
      ["an op that does not exist", { op: "shutdown" }, "op"],
      ["app as a number", { app: 42 }, "app"],
      ["sha256 in upper case", { sha256: "A".repeat(64) }, "sha256"],
    ])("%s: 401 ERR_CLAIM_INVALID", async (_, overrides, claim) => {
      const token = hs256(deploy(overrides));
      expect(await expectRefused(token, 401, "ERR_CLAIM_INVALID")).toContain(claim);
    });

    it.each<[string, unknown]>([
      ["another receiver", "https://other.test"],
      ["a trailing slash", `${AUDIENCE}/`],
      ["http instead of https", AUDIENCE.replace("https:", "http:")],
      ["a list naming only another receiver", ["https://other.test"]],
    ])("aud of %s: 401 ERR_AUDIENCE", async (_, aud) => {
      await expectRefused(hs256(deploy({ aud })), 401, "ERR_AUDIENCE");
    });

    it("a token for the receiver itself (op admin, app *) on an app's deploy: refused, nothing spent", async () => {
      await expectRefused(hs256(deploy({ op: "admin" })), 403, "ERR_WRONG_OP");
      await expectRefused(hs256(deploy({ op: "admin", app: "*" })), 403, "ERR_WRONG_APP");
      await expectRefused(hs256(deploy({ app: "*" })), 404, "ERR_UNKNOWN_APP", { app: "*" });
    });

    it("an iss claim (posing as a GitHub token on a receiver without auth.github): 401 ERR_OIDC_OFF", async () => {
      const token = hs256(deploy({ iss: "https://token.actions.githubusercontent.com" }));
      await expectRefused(token, 401, "ERR_OIDC_OFF");
    });

    // RFC 7519 §4: a parser rejects duplicate names or takes the lexically last one.
    // Either way the second, bad member decides, never the first, good one.
    const duplicate = (json: object, name: string, value: unknown) =>
      JSON.stringify(json).replace(/}$/, `,${JSON.stringify(name)}:${JSON.stringify(value)}}`);

    it("duplicate app claims, the last naming billing: 403 ERR_WRONG_APP", async () => {
      const token = hs256(duplicate(deploy(), "app", "billing"));
      await expectRefused(token, 403, "ERR_WRONG_APP");
    });

    it("duplicate exp claims, the last in the past: 401 ERR_EXPIRED", async () => {
      const token = hs256(duplicate(deploy(), "exp", now() - 120));
      await expectRefused(token, 401, "ERR_EXPIRED");
    });

    it("duplicate alg headers, the last none: 401 ERR_ALG_NOT_ALLOWED", async () => {
      const token = hs256(deploy(), duplicate(HS256_HEADER, "alg", "none"));
      await expectRefused(token, 401, "ERR_ALG_NOT_ALLOWED");
    });

    it("duplicate kid headers, the last unknown: 401 ERR_UNKNOWN_KEY", async () => {
      const token = hs256(deploy(), duplicate(HS256_HEADER, "kid", "nobody"));
      await expectRefused(token, 401, "ERR_UNKNOWN_KEY");
    });
  });

  describe("binding: one app, one operation, one artifact", () => {
    it("webdemo's token used on billing: 403 ERR_WRONG_APP", async () => {
      await expectRefused(hs256(deploy()), 403, "ERR_WRONG_APP", { app: "billing" });
    });

    it("billing's token (key ed, which billing allows) used on webdemo: 403 ERR_WRONG_APP", async () => {
      const token = jws(
        { alg: "EdDSA", typ: "JWT", kid: "ed" },
        deploy({ app: "billing" }),
        signWith(ED.privateKey, "EdDSA"),
      );
      await expectRefused(token, 403, "ERR_WRONG_APP");
    });

    it("a ci token for billing, whose auth.keys lists only ed: 403 ERR_KEY_NOT_ALLOWED", async () => {
      const token = hs256(deploy({ app: "billing" }));
      await expectRefused(token, 403, "ERR_KEY_NOT_ALLOWED", { app: "billing" });
    });

    it.each<[Op, Op]>([
      ["status", "deploy"],
      ["upload", "deploy"],
      ["swap", "deploy"],
      ["deploy", "swap"],
      ["deploy", "rollback"],
      ["deploy", "status"],
    ])("a token for %s used for %s: 403 ERR_WRONG_OP", async (tokenOp, op) => {
      const token = hs256(goodClaims(tokenOp, { sha256: target.sha }));
      await expectRefused(token, 403, "ERR_WRONG_OP", { op });
    });

    it("sha256 claim of another artifact than the header: 403 ERR_SHA256_MISMATCH", async () => {
      const token = hs256(deploy({ sha256: sha256("another build") }));
      await expectRefused(token, 403, "ERR_SHA256_MISMATCH");
    });

    it("a good token and header for another artifact, with this body: 400 ERR_DIGEST_MISMATCH, nothing staged", async () => {
      const other = sha256("another build");
      const token = hs256(deploy({ sha256: other }));
      await expectRefused(token, 400, "ERR_DIGEST_MISMATCH", { sha: other, spends: true });
    });

    it.each([
      ["missing", ""],
      ["not hex", "g".repeat(64)],
      ["too short", "a".repeat(63)],
    ])("X-Hotswap-Sha256 %s: 400 ERR_SHA256_HEADER", async (_, header) => {
      await expectRefused(hs256(deploy()), 400, "ERR_SHA256_HEADER", { sha: header });
    });

    it("a good token for an app that is not configured: 404 ERR_UNKNOWN_APP, nothing spent", async () => {
      const token = hs256(deploy({ app: "payroll" }));
      await expectRefused(token, 404, "ERR_UNKNOWN_APP", { app: "payroll" });
    });
  });

  describe("replay: a jti is good once", () => {
    it("the same token twice: the second is 401 ERR_REPLAYED and stages nothing again", async () => {
      const token = target.scene.track(hs256(goodClaims("upload", { sha256: target.sha })));
      const first = await send(token, { op: "upload" });
      expect(first.result, JSON.stringify(first.json ?? first.events)).toMatchObject({ ok: true });
      await expectRefused(token, 401, "ERR_REPLAYED", { op: "upload" });
    });

    it("a new token reusing a spent jti: 401 ERR_REPLAYED", async () => {
      const spent = target.scene.track(hs256(goodClaims("status")));
      expect((await send(spent, { op: "status" })).status).toBe(200);
      const token = hs256(deploy({ jti: jtiOf(spent) }));
      await expectRefused(token, 401, "ERR_REPLAYED");
    });

    it("the same token after a restart: 401 ERR_REPLAYED", async () => {
      const token = target.scene.track(hs256(goodClaims("status")));
      expect((await send(token, { op: "status" })).status).toBe(200);
      await target.scene.restart();
      await expectRefused(token, 401, "ERR_REPLAYED", { op: "status" });
    });
  });

  describe("size and form", () => {
    it("a validly signed token over 8 KiB: 401 ERR_TOKEN_TOO_LARGE", async () => {
      const token = hs256(deploy({ pad: "x".repeat(9000) }));
      await expectRefused(token, 401, "ERR_TOKEN_TOO_LARGE");
    });

    it("9 KiB of garbage as a token: 401 ERR_TOKEN_TOO_LARGE", async () => {
      await expectRefused(`garbage${"A".repeat(9 * 1024)}`, 401, "ERR_TOKEN_TOO_LARGE");
    });

    it.each<[string, () => string]>([
      ["two parts", () => `eyJhbGciOiJIUzI1NiJ9.${randomUUID()}`],
      ["four parts", () => `${hs256(deploy())}.AAAA`],
      ["characters outside base64url", () => `eyJ*bGci.eyJ*${randomUUID()}.c2ln`],
      ["base64 padding", () => hs256(deploy()).replace(".", "==.")],
      [
        "a payload that is not JSON",
        () => jws(HS256_HEADER, `not json ${randomUUID()}`, hmac(SECRET)),
      ],
      ["a payload that is a JSON array", () => jws(HS256_HEADER, [randomUUID()], hmac(SECRET))],
      ["a header that is not JSON", () => jws(`{{${randomUUID()}`, deploy(), hmac(SECRET))],
    ])("malformed, %s: 401 ERR_TOKEN_MALFORMED", async (_, token) => {
      await expectRefused(token(), 401, "ERR_TOKEN_MALFORMED");
    });

    it("no Authorization header: 401 ERR_NO_TOKEN", async () => {
      await expectRefused(undefined, 401, "ERR_NO_TOKEN");
    });

    it("the token in the query string instead of the header: 401 ERR_NO_TOKEN", async () => {
      const token = target.scene.track(hs256(deploy()));
      await expectRefused(undefined, 401, "ERR_NO_TOKEN", {
        path: `/v1/apps/webdemo/deploy?access_token=${token}`,
      });
    });

    it.each([
      ["Basic credentials", () => `Basic ${Buffer.from(`ci:${SECRET}`).toString("base64")}`],
      ["two bearer tokens", () => `Bearer ${hs256(deploy())} ${hs256(deploy())}`],
      ["the token without a scheme", () => hs256(deploy())],
    ])("%s in Authorization: 401 ERR_NO_TOKEN", async (_, authorization) => {
      const value = authorization();
      target.scene.track(value.split(" ").pop());
      await expectRefused(undefined, 401, "ERR_NO_TOKEN", { authorization: value });
    });
  });

  it("never logged a token, and never connected to a URL a token named", async () => {
    expect(target.scene.tokens.length).toBeGreaterThan(60);
    await target.scene.rx.stop();
    target.scene.expectNoTokenLogged();
    expect(target.trap.connections).toBe(0);
  });
});

// The stand-in for GitHub's OIDC issuer is only as good as its likeness: these tests pin
// the discovery document, the JWKS, the token's claims and formats, rotation, the
// runner's token endpoint (through @actions/core's own getIDToken) and the outage switch.
import * as core from "@actions/core";
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  generateKeyPair,
  jwtVerify,
  type JWK,
} from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { REPO, startIssuer, type Issuer } from "../helpers/oidc-issuer.js";

const AUD = "https://deploy.test#app=webdemo&op=status&sha256=-";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("the stand-in OIDC issuer", () => {
  let issuer: Issuer;
  beforeAll(async () => {
    issuer = await startIssuer();
  });
  afterAll(() => issuer?.stop());
  afterEach(() => {
    issuer.down = false;
    issuer.downWith = "reset";
    issuer.nextClaims = undefined;
  });

  // A relying party that knows nothing but the issuer URL, as the receiver does.
  async function verify(token: string, audience = AUD, jwks?: ReturnType<typeof remote>) {
    return jwtVerify(token, jwks ?? remote(), {
      issuer: issuer.url,
      audience,
      algorithms: ["RS256"],
      requiredClaims: ["exp", "iat", "nbf", "jti"],
    });
  }
  function remote() {
    return createRemoteJWKSet(new URL(issuer.jwksUri));
  }

  it("serves GitHub's discovery document for its own URL", async () => {
    expect(issuer.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${issuer.url}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: issuer.url,
      jwks_uri: `${issuer.url}/.well-known/jwks`,
      subject_types_supported: ["public", "pairwise"],
      response_types_supported: ["id_token"],
      id_token_signing_alg_values_supported: ["RS256"],
      scopes_supported: ["openid"],
    });
    expect(doc.claims_supported).toEqual(
      expect.arrayContaining([
        "repository_id",
        "repository_owner_id",
        "job_workflow_ref",
        "environment",
        "event_name",
        "runner_environment",
      ]),
    );
  });

  it("publishes RSA 2048 public keys only, GitHub-shaped", async () => {
    const fetches = issuer.jwksFetches;
    const { keys } = (await (await fetch(issuer.jwksUri)).json()) as { keys: JWK[] };
    expect(issuer.jwksFetches).toBe(fetches + 1);
    expect(keys.map((k) => k.kid)).toEqual(issuer.kids);
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use", "x5t"]);
      expect(key).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig", e: "AQAB" });
      expect(key.kid).toMatch(/^[0-9A-F]{40}$/);
      expect(Buffer.from(key.x5t!, "base64url").toString("hex").toUpperCase()).toBe(key.kid);
      expect(Buffer.from(key.n!, "base64url")).toHaveLength(256);
    }
  });

  it("mints tokens that verify against its JWKS, with GitHub's header", async () => {
    const token = await issuer.mint({}, { audience: AUD });
    const { payload, protectedHeader } = await verify(token);
    expect(protectedHeader).toMatchObject({ alg: "RS256", typ: "JWT", kid: issuer.currentKid });
    expect(protectedHeader.x5t).toEqual(expect.any(String));
    expect(payload.aud).toBe(AUD);
    expect(payload.iss).toBe(issuer.url);
  });

  it("uses GitHub's claim set and formats", async () => {
    const before = Math.floor(Date.now() / 1000);
    const claims = decodeJwt(await issuer.mint({}, { audience: AUD }));
    expect(claims).toEqual({
      jti: expect.stringMatching(UUID),
      sub: "repo:octo/webdemo:environment:production",
      aud: AUD,
      ref: "refs/tags/v1.0.0",
      sha: expect.stringMatching(/^[0-9a-f]{40}$/),
      repository: "octo/webdemo",
      repository_owner: "octo",
      repository_owner_id: "987654",
      run_id: expect.stringMatching(/^\d+$/),
      run_number: expect.stringMatching(/^\d+$/),
      run_attempt: "1",
      repository_visibility: "private",
      repository_id: "123456789",
      actor_id: expect.stringMatching(/^\d+$/),
      actor: "octocat",
      workflow: "Deploy",
      head_ref: "",
      base_ref: "",
      event_name: "push",
      ref_protected: "false",
      ref_type: "tag",
      workflow_ref: "octo/webdemo/.github/workflows/deploy.yml@refs/tags/v1.0.0",
      workflow_sha: claims.sha,
      job_workflow_ref: "octo/webdemo/.github/workflows/deploy.yml@refs/tags/v1.0.0",
      job_workflow_sha: claims.sha,
      runner_environment: "github-hosted",
      environment: "production",
      iss: issuer.url,
      nbf: claims.iat! - 600,
      exp: claims.iat! + 300,
      iat: expect.any(Number),
    });
    expect(Object.keys(claims).slice(0, 2)).toEqual(["jti", "sub"]);
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(REPO.repository_id).toBe(claims.repository_id);
  });

  it("builds sub from the ref, the environment or the pull request, as GitHub does", async () => {
    const sub = async (c: Parameters<Issuer["mint"]>[0]) =>
      decodeJwt(await issuer.mint(c, { audience: AUD })).sub;
    expect(await sub({ environment: undefined })).toBe("repo:octo/webdemo:ref:refs/tags/v1.0.0");
    expect(await sub({ environment: undefined, ref: "refs/heads/main", ref_type: "branch" })).toBe(
      "repo:octo/webdemo:ref:refs/heads/main",
    );
    expect(await sub({ environment: "staging" })).toBe("repo:octo/webdemo:environment:staging");
    expect(
      await sub({ environment: undefined, event_name: "pull_request", ref: "refs/pull/7/merge" }),
    ).toBe("repo:octo/webdemo:pull_request");
    expect(await sub({ sub: "repo:octo/webdemo:custom" })).toBe("repo:octo/webdemo:custom");
    const noEnv = decodeJwt(await issuer.mint({ environment: undefined }, { audience: AUD }));
    expect(noEnv).not.toHaveProperty("environment");
  });

  it("sets the lifetime, issue time, kid and iss a test asks for", async () => {
    const iat = Math.floor(Date.now() / 1000) - 1000;
    const old = await issuer.mint({}, { audience: AUD, iat, lifetimeS: 60 });
    expect(decodeJwt(old)).toMatchObject({ iat, exp: iat + 60, nbf: iat - 600 });
    await expect(verify(old)).rejects.toBeInstanceOf(errors.JWTExpired);

    const other = await issuer.mint({}, { audience: AUD, issuer: "https://evil.example" });
    await expect(verify(other)).rejects.toMatchObject({ code: "ERR_JWT_CLAIM_VALIDATION_FAILED" });

    await expect(verify(await issuer.mint({}, { audience: "https://elsewhere" }))).rejects.toThrow(
      /aud/,
    );
  });

  it("signs with an attacker's key when told, which does not verify", async () => {
    const attacker = await generateKeyPair("RS256");
    const forged = await issuer.mint({}, { audience: AUD, signWith: attacker.privateKey });
    expect(decodeProtectedHeader(forged).kid).toBe(issuer.currentKid);
    await expect(verify(forged)).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);

    const unknown = await issuer.mint(
      {},
      {
        audience: AUD,
        kid: "0000000000000000000000000000000000000000",
        signWith: attacker.privateKey,
      },
    );
    await expect(verify(unknown)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    await expect(issuer.mint({}, { audience: AUD, kid: "nope" })).rejects.toThrow(/no key nope/);
  });

  it("rotates like GitHub: the new key signs, the old one stays published until retired", async () => {
    const first = issuer.currentKid;
    const oldToken = await issuer.mint({}, { audience: AUD });
    const second = await issuer.rotate();
    expect(second).not.toBe(first);
    expect(issuer.currentKid).toBe(second);
    expect(issuer.kids).toEqual([first, second]);
    const newToken = await issuer.mint({}, { audience: AUD });
    expect(decodeProtectedHeader(newToken).kid).toBe(second);
    const jwks = remote();
    await verify(oldToken, AUD, jwks);
    await verify(newToken, AUD, jwks);

    issuer.retire(first);
    expect(issuer.kids).toEqual([second]);
    await expect(verify(oldToken)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    await verify(newToken);
    expect(() => issuer.retire(first)).toThrow(/no key/);
  });

  it("counts JWKS fetches, so a cache can be seen working", async () => {
    const jwks = remote();
    const fetches = issuer.jwksFetches;
    await verify(await issuer.mint({}, { audience: AUD }), AUD, jwks);
    await verify(await issuer.mint({}, { audience: AUD }), AUD, jwks);
    expect(issuer.jwksFetches).toBe(fetches + 1);
  });

  it("goes down (socket reset or 500) and comes back", async () => {
    issuer.down = true;
    const fetches = issuer.jwksFetches;
    await expect(fetch(issuer.jwksUri)).rejects.toThrow(/fetch failed/);
    await expect(fetch(`${issuer.url}/.well-known/openid-configuration`)).rejects.toThrow();
    await expect(verify(await issuer.mint({}, { audience: AUD }))).rejects.toBeTruthy();
    issuer.downWith = 500;
    expect((await fetch(issuer.jwksUri)).status).toBe(500);
    expect(issuer.jwksFetches).toBeGreaterThanOrEqual(fetches + 3);
    issuer.down = false;
    expect((await fetch(issuer.jwksUri)).status).toBe(200);
    await verify(await issuer.mint({}, { audience: AUD }));
  });

  it("can fail the JWKS alone while discovery and the token endpoint still answer", async () => {
    issuer.down = "jwks";
    issuer.downWith = 500;
    expect((await fetch(`${issuer.url}/.well-known/openid-configuration`)).status).toBe(200);
    expect((await fetch(issuer.jwksUri)).status).toBe(500);
    const token = await fetch(`${issuer.requestUrl}&audience=x`, {
      headers: { authorization: `Bearer ${issuer.requestToken}` },
    });
    expect(token.status).toBe(200);
    expect(issuer.issued.at(-1)).toBe(((await token.json()) as { value: string }).value);
  });

  describe("the runner's token endpoint", () => {
    const saved = { ...process.env };
    beforeAll(() => {
      process.env["ACTIONS_ID_TOKEN_REQUEST_URL"] = issuer.requestUrl;
      process.env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = issuer.requestToken;
      // getIDToken prints ::debug:: and ::add-mask:: commands; keep them out of the test log.
      vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    });
    afterAll(() => {
      vi.restoreAllMocks();
      process.env = saved;
    });

    it("has the URL form @actions/core's getIDToken appends &audience= to", () => {
      expect(issuer.requestUrl).toBe(`${issuer.url}/token?api-version=2.0`);
    });

    it("answers getIDToken with a token for exactly the audience asked for", async () => {
      const token = await core.getIDToken(AUD);
      expect(issuer.tokenRequests.at(-1)).toBe(AUD);
      const { payload } = await verify(token);
      expect(payload).toMatchObject({ aud: AUD, repository_id: "123456789", ref_type: "tag" });
    });

    it("issues nextClaims until they are cleared", async () => {
      issuer.nextClaims = { ref: "refs/heads/main", ref_type: "branch", environment: undefined };
      const claims = decodeJwt(await core.getIDToken(AUD));
      expect(claims).toMatchObject({
        ref: "refs/heads/main",
        sub: "repo:octo/webdemo:ref:refs/heads/main",
      });
      expect(claims).not.toHaveProperty("environment");
      issuer.nextClaims = undefined;
      expect(decodeJwt(await core.getIDToken(AUD)).ref).toBe("refs/tags/v1.0.0");
    });

    it("defaults the audience to the owner's URL, as GitHub does", async () => {
      const res = await fetch(issuer.requestUrl, {
        headers: { authorization: `Bearer ${issuer.requestToken}` },
      });
      expect(decodeJwt(((await res.json()) as { value: string }).value).aud).toBe(
        "https://github.com/octo",
      );
    });

    it("refuses a missing or wrong bearer with 401", async () => {
      const url = `${issuer.requestUrl}&audience=${encodeURIComponent(AUD)}`;
      expect((await fetch(url)).status).toBe(401);
      const wrong = await fetch(url, { headers: { authorization: "Bearer not-the-runner" } });
      expect(wrong.status).toBe(401);
      process.env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = "not-the-runner";
      await expect(core.getIDToken(AUD)).rejects.toThrow(/401/);
      process.env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = issuer.requestToken;
    });
  });
});

// A local stand-in for GitHub Actions' OIDC provider (token.actions.githubusercontent.com)
// and for the runner's ID-token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL), since GitHub
// cannot be reached from tests. It serves the same discovery document and JWKS shape,
// signs RS256 tokens with GitHub's claim set and formats, rotates keys the way GitHub
// does (the previous key stays published), and can be taken down.
import { createHash, randomBytes, randomUUID, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";

/** The claims GitHub puts in an Actions ID token, all strings but the times. */
export interface GithubClaims {
  jti: string;
  sub: string;
  aud: string;
  ref: string;
  sha: string;
  repository: string;
  repository_owner: string;
  repository_owner_id: string;
  repository_id: string;
  repository_visibility: string;
  actor: string;
  actor_id: string;
  run_id: string;
  run_number: string;
  run_attempt: string;
  runner_environment: string;
  workflow: string;
  workflow_ref: string;
  workflow_sha: string;
  job_workflow_ref: string;
  job_workflow_sha: string;
  head_ref: string;
  base_ref: string;
  event_name: string;
  ref_type: string;
  ref_protected: string;
  environment: string;
  iss: string;
  nbf: number;
  iat: number;
  exp: number;
}

export interface MintOptions {
  /** The `aud` claim; the runner's endpoint takes it from `&audience=`. */
  audience: string;
  /** exp - iat in seconds; GitHub's is 300. */
  lifetimeS?: number;
  /** Issued-at, seconds since the epoch; default now. */
  iat?: number;
  /** The `kid` header; default the current key's. */
  kid?: string;
  /** Sign with this key instead of the issuer's (an attacker's key); `kid` still says ours. */
  signWith?: CryptoKey | KeyObject;
  /** The `iss` claim; default this issuer's URL. */
  issuer?: string;
}

export interface Issuer {
  /** The issuer identifier and base URL: http://127.0.0.1:PORT, no trailing slash. */
  url: string;
  jwksUri: string;
  /** ACTIONS_ID_TOKEN_REQUEST_URL: getIDToken appends `&audience=…` to it. */
  requestUrl: string;
  /** ACTIONS_ID_TOKEN_REQUEST_TOKEN: the runner's bearer for the token endpoint. */
  requestToken: string;
  /** kid of the key new tokens are signed with. */
  currentKid: string;
  /** kids published in the JWKS, oldest first. */
  readonly kids: string[];
  /** How often the JWKS was fetched (successfully or not). */
  jwksFetches: number;
  /** How often the discovery document was fetched. */
  discoveryFetches: number;
  /** Audiences the token endpoint was asked for, in order. */
  readonly tokenRequests: string[];
  /** Tokens the endpoint handed out, in order (to prove none leaks into a log). */
  readonly issued: string[];
  /** Claims for every token the endpoint issues from now on (undefined removes a claim). */
  nextClaims: Partial<GithubClaims> | undefined;
  /**
   * true: discovery and JWKS fail (the issuer's host is down); "jwks": only the JWKS does.
   * A failing request has its socket reset, or gets a 500 when downWith is 500. The runner's
   * token endpoint (another host at GitHub) keeps working.
   */
  down: boolean | "jwks";
  downWith: "reset" | 500;
  /** Publishes a new key and signs with it from now on; the old one stays in the JWKS. */
  rotate(): Promise<string>;
  /** Removes a key from the JWKS. */
  retire(kid: string): void;
  /** An ID token with GitHub's default claims for octo/webdemo, overridden by `claims`. */
  mint(claims: Partial<GithubClaims> | undefined, options: MintOptions): Promise<string>;
  stop(): Promise<void>;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

/** The ids of the stand-in's repository, as GitHub formats them (strings). */
export const REPO = {
  repository: "octo/webdemo",
  repository_id: "123456789",
  repository_owner: "octo",
  repository_owner_id: "987654",
} as const;

export const DEFAULT_LIFETIME_S = 300;
/** GitHub's tokens are valid from 10 minutes before they were issued (docs' example). */
export const NOT_BEFORE_S = 600;

const DISCOVERY_PATH = "/.well-known/openid-configuration";
const JWKS_PATH = "/.well-known/jwks";
const TOKEN_PATH = "/token";

// Starts the stand-in on an ephemeral loopback port with one signing key.
export async function startIssuer(): Promise<Issuer> {
  const keys: SigningKey[] = [await newKey()];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => handle(req, res));
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const issuer: Issuer = {
    url,
    jwksUri: url + JWKS_PATH,
    requestUrl: `${url}${TOKEN_PATH}?api-version=2.0`,
    requestToken: randomBytes(24).toString("base64url"),
    currentKid: keys[0]!.kid,
    get kids() {
      return keys.map((k) => k.kid);
    },
    jwksFetches: 0,
    discoveryFetches: 0,
    tokenRequests: [],
    issued: [],
    nextClaims: undefined,
    down: false,
    downWith: "reset",
    async rotate() {
      const key = await newKey();
      keys.push(key);
      issuer.currentKid = key.kid;
      return key.kid;
    },
    retire(kid) {
      const at = keys.findIndex((k) => k.kid === kid);
      if (at < 0) throw new Error(`no key ${kid} to retire`);
      keys.splice(at, 1);
    },
    mint: (claims, options) => mint(claims, options),
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      sockets.forEach((s) => s.destroy());
      await closed;
    },
  };

  async function mint(claims: Partial<GithubClaims> = {}, o: MintOptions): Promise<string> {
    const kid = o.kid ?? issuer.currentKid;
    const signer = o.signWith ?? keys.find((k) => k.kid === kid)?.privateKey;
    if (!signer) throw new Error(`no key ${kid} to sign with; pass signWith`);
    const payload = githubClaims(claims, {
      iss: o.issuer ?? url,
      aud: o.audience,
      iat: o.iat ?? Math.floor(Date.now() / 1000),
      lifetimeS: o.lifetimeS ?? DEFAULT_LIFETIME_S,
    });
    const x5t = keys.find((k) => k.kid === kid)?.jwk.x5t ?? kid;
    return new SignJWT(payload)
      .setProtectedHeader({ alg: "RS256", typ: "JWT", x5t, kid })
      .sign(signer);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", url);
    if (req.method !== "GET") return send(res, 405, { message: "method not allowed" });
    if (path.pathname === TOKEN_PATH) return token(req, res, path);
    if (path.pathname === DISCOVERY_PATH) issuer.discoveryFetches++;
    else if (path.pathname === JWKS_PATH) issuer.jwksFetches++;
    else return send(res, 404, { message: "not found" });
    if (issuer.down === true || (issuer.down === "jwks" && path.pathname === JWKS_PATH)) {
      if (issuer.downWith === "reset") return void req.socket.destroy();
      return send(res, 500, { message: "internal server error" });
    }
    if (path.pathname === DISCOVERY_PATH) return send(res, 200, discovery(url));
    return send(res, 200, { keys: keys.map((k) => k.jwk) });
  }

  // The runner's endpoint: a bearer only the job knows, the audience in the query.
  async function token(req: IncomingMessage, res: ServerResponse, path: URL): Promise<void> {
    if (req.headers.authorization !== `Bearer ${issuer.requestToken}`) {
      return send(res, 401, { message: "Unauthorized" });
    }
    const audience =
      path.searchParams.get("audience") ?? `https://github.com/${REPO.repository_owner}`;
    issuer.tokenRequests.push(audience);
    const value = await mint(issuer.nextClaims, { audience });
    issuer.issued.push(value);
    send(res, 200, { value });
  }

  return issuer;
}

// What GitHub signs for a push of tag v1.0.0 of octo/webdemo by octocat, deploying to
// the production environment; `overrides` replace claims, and undefined removes one.
// `sub` follows the rest the way GitHub builds it, unless given.
export function githubClaims(
  overrides: Partial<GithubClaims>,
  at: { iss: string; aud: string; iat: number; lifetimeS: number },
): Record<string, unknown> {
  const ref = "refs/tags/v1.0.0";
  const sha = "a5f2c3d4e5f60718293a4b5c6d7e8f9012345678";
  const workflowRef = `${REPO.repository}/.github/workflows/deploy.yml@${ref}`;
  const claims: Record<string, unknown> = {
    jti: randomUUID(),
    aud: at.aud,
    ref,
    sha,
    repository: REPO.repository,
    repository_owner: REPO.repository_owner,
    repository_owner_id: REPO.repository_owner_id,
    run_id: "7654321098",
    run_number: "42",
    run_attempt: "1",
    repository_visibility: "private",
    repository_id: REPO.repository_id,
    actor_id: "583231",
    actor: "octocat",
    workflow: "Deploy",
    head_ref: "",
    base_ref: "",
    event_name: "push",
    ref_protected: "false",
    ref_type: "tag",
    workflow_ref: workflowRef,
    workflow_sha: sha,
    job_workflow_ref: workflowRef,
    job_workflow_sha: sha,
    runner_environment: "github-hosted",
    environment: "production",
    iss: at.iss,
    nbf: at.iat - NOT_BEFORE_S,
    exp: at.iat + at.lifetimeS,
    iat: at.iat,
    ...overrides,
  };
  claims.sub ??= subject(claims);
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  // GitHub puts sub right after jti.
  const { jti, sub, ...rest } = claims;
  return { jti, sub, ...rest };
}

// GitHub's default subject: the environment when the job has one, else the pull
// request, else the ref.
function subject(c: Record<string, unknown>): string {
  const repo = `repo:${String(c.repository)}`;
  if (c.environment) return `${repo}:environment:${String(c.environment)}`;
  if (c.event_name === "pull_request" || c.event_name === "pull_request_target")
    return `${repo}:pull_request`;
  return `${repo}:ref:${String(c.ref)}`;
}

function discovery(url: string) {
  return {
    issuer: url,
    jwks_uri: url + JWKS_PATH,
    subject_types_supported: ["public", "pairwise"],
    response_types_supported: ["id_token"],
    claims_supported: [
      "sub",
      "aud",
      "exp",
      "iat",
      "iss",
      "jti",
      "nbf",
      "ref",
      "sha",
      "repository",
      "repository_id",
      "repository_owner",
      "repository_owner_id",
      "enterprise",
      "enterprise_id",
      "run_id",
      "run_number",
      "run_attempt",
      "actor",
      "actor_id",
      "workflow",
      "workflow_ref",
      "workflow_sha",
      "head_ref",
      "base_ref",
      "event_name",
      "ref_type",
      "ref_protected",
      "environment",
      "environment_node_id",
      "job_workflow_ref",
      "job_workflow_sha",
      "repository_visibility",
      "runner_environment",
      "issuer_scope",
    ],
    id_token_signing_alg_values_supported: ["RS256"],
    scopes_supported: ["openid"],
  };
}

// A GitHub-shaped key: RSA 2048, the kid a hex SHA-1 thumbprint and x5t the same
// thumbprint base64url-encoded (GitHub's are of a certificate; there is none here).
async function newKey(): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair("RS256", {
    extractable: true,
    modulusLength: 2048,
  });
  const spki = await exportSPKI(publicKey);
  const der = Buffer.from(spki.replace(/-----[^-]+-----|\s/g, ""), "base64");
  const thumbprint = createHash("sha1").update(der).digest();
  const kid = thumbprint.toString("hex").toUpperCase();
  const { kty, n, e } = await exportJWK(publicKey);
  const jwk: JWK = {
    kty,
    alg: "RS256",
    use: "sig",
    kid,
    n,
    e,
    x5t: thumbprint.toString("base64url"),
  };
  return { kid, privateKey, jwk };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

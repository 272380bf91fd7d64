import { decodeJwt } from "jose";
import type { GithubConfig } from "../config/schema.js";
import { boundAudience, type Op } from "../protocol.js";
import { AuthError } from "./auth-error.js";
import type { VerifyKey } from "./load-keys.js";
import type { OidcIssuer } from "./oidc-issuer.js";
import type { TokenPrincipal } from "./principal.js";
import { MAX_TOKEN_BYTES, verifyKeyToken } from "./verify-key-token.js";
import { verifyOidcToken } from "./verify-oidc-token.js";

export interface Trust {
  keys: Map<string, VerifyKey>;
  audience: string;
  github?: { config: GithubConfig; issuer: OidcIssuer };
}

// Verifies a token of either kind. A token with an `iss` claim is a GitHub ID
// token and is checked only against the configured issuer; any other is a
// key-mode token checked only against the configured keys. Each path verifies
// everything itself, so claiming to be the other kind gains nothing.
export async function identify(
  token: string,
  trust: Trust,
  request: { app: string; op: Op; sha256?: string },
): Promise<TokenPrincipal> {
  if (token.length > MAX_TOKEN_BYTES) throw new AuthError("ERR_TOKEN_TOO_LARGE");
  let iss: unknown;
  try {
    iss = decodeJwt(token).iss;
  } catch {
    throw new AuthError("ERR_TOKEN_MALFORMED");
  }
  if (iss === undefined) {
    const c = await verifyKeyToken(token, trust.keys, trust.audience);
    const { repository, ref, sha, run_id, actor } = c;
    return {
      via: "key",
      keyId: c.kid,
      jti: c.jti,
      exp: c.exp,
      app: c.app,
      op: c.op,
      sha256: c.sha256,
      who: { repository, ref, sha, run_id, actor, keyId: c.kid },
    };
  }
  if (!trust.github)
    throw new AuthError("ERR_OIDC_OFF", "the token carries iss (key-mode tokens must not)");
  if (iss !== trust.github.issuer.url)
    throw new AuthError("ERR_ISSUER", `token iss ${JSON.stringify(String(iss).slice(0, 100))}`);
  const audience = boundAudience(trust.audience, request.app, request.op, request.sha256);
  const c = await verifyOidcToken(token, trust.github.issuer, audience);
  const { repository, ref, sha, run_id, actor, job_workflow_ref, event_name, environment } = c;
  return {
    via: "github",
    jti: c.jti,
    exp: c.exp,
    ...request,
    github: c,
    who: {
      repository,
      ref,
      sha,
      run_id,
      actor,
      workflow: job_workflow_ref,
      event: event_name,
      environment,
    },
  };
}

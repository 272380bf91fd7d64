import { errors } from "jose";
import { AuthError, type AuthErrorCode } from "./auth-error.js";

type Detail = (error: errors.JOSEError, algDetail: string) => string;

const unreachable: Detail = (error) => error.message;

// jose's stable codes mapped onto ours, once for both token kinds; the status and
// message of each of ours is in AUTH_ERRORS. A code not listed is a malformed token.
const FROM_JOSE: Record<string, readonly [AuthErrorCode, Detail?]> = {
  ERR_JWT_EXPIRED: ["ERR_EXPIRED"],
  ERR_JOSE_ALG_NOT_ALLOWED: ["ERR_ALG_NOT_ALLOWED", (_, alg) => alg],
  ERR_JOSE_NOT_SUPPORTED: ["ERR_ALG_NOT_ALLOWED", (_, alg) => alg],
  ERR_JWKS_NO_MATCHING_KEY: ["ERR_UNKNOWN_KEY", () => "no key in the issuer's JWKS has this kid"],
  ERR_JWKS_TIMEOUT: ["ERR_ISSUER_UNREACHABLE", unreachable],
  ERR_JWKS_INVALID: ["ERR_ISSUER_UNREACHABLE", unreachable],
  ERR_JOSE_GENERIC: ["ERR_ISSUER_UNREACHABLE", unreachable],
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: ["ERR_BAD_SIGNATURE"],
};

// A failed jwtVerify as one of our codes. A failed claim check names the claim:
// aud and iss have codes of their own, a missing claim is told from a wrong one. A wrong
// aud says which was sent and which this receiver expects (`audience`): neither is secret,
// and the signature has been checked before jose looks at claims.
export function fromJose(error: unknown, algDetail: string, audience: string): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === "missing") return new AuthError("ERR_CLAIM_MISSING", error.claim);
    if (error.claim === "aud")
      return new AuthError("ERR_AUDIENCE", audienceDetail(error, audience));
    if (error.claim === "iss") return new AuthError("ERR_ISSUER");
    if (error.claim === "nbf") return new AuthError("ERR_CLAIM_INVALID", "nbf is in the future");
    return new AuthError("ERR_CLAIM_INVALID", error.claim);
  }
  if (!(error instanceof errors.JOSEError)) return new AuthError("ERR_TOKEN_MALFORMED");
  const [code, detail] = FROM_JOSE[error.code] ?? ["ERR_TOKEN_MALFORMED"];
  return new AuthError(code, detail?.(error, algDetail));
}

function audienceDetail(error: errors.JWTClaimValidationFailed, audience: string): string {
  const aud: unknown = error.payload.aud;
  const sent = (Array.isArray(aud) ? aud : [aud]).map((a) =>
    JSON.stringify(String(a).slice(0, 200)),
  );
  return `the token was made for ${sent.join(", ")}, this receiver expects exactly ${JSON.stringify(audience)} (its config's audience, and the action's audience input or the CLI's --audience)`;
}

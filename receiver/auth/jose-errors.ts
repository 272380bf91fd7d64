import { errors } from "jose";
import { AuthError } from "./auth-error.js";

// jose's error classes mapped onto our codes, once for both token kinds.
export function fromJose(error: unknown, algDetail: string): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof errors.JWTExpired) return new AuthError("ERR_EXPIRED");
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === "missing") return new AuthError("ERR_CLAIM_MISSING", error.claim);
    if (error.claim === "aud") return new AuthError("ERR_AUDIENCE");
    if (error.claim === "iss") return new AuthError("ERR_ISSUER");
    if (error.claim === "nbf") return new AuthError("ERR_CLAIM_INVALID", "nbf is in the future");
    return new AuthError("ERR_CLAIM_INVALID", error.claim);
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new AuthError("ERR_ALG_NOT_ALLOWED", algDetail);
  }
  if (error instanceof errors.JWKSNoMatchingKey)
    return new AuthError("ERR_UNKNOWN_KEY", "no key in the issuer's JWKS has this kid");
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return new AuthError("ERR_ISSUER_UNREACHABLE", error.message);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return new AuthError("ERR_BAD_SIGNATURE");
  if (error instanceof errors.JOSEError && error.code === "ERR_JOSE_GENERIC")
    return new AuthError("ERR_ISSUER_UNREACHABLE", error.message);
  return new AuthError("ERR_TOKEN_MALFORMED");
}

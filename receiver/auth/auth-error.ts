import { HttpError } from "../http-error.js";

// Stable codes for every way a token can fail, each mapped to one HTTP status
// and one message in one table (the jose habit): callers switch on the code.

export const AUTH_ERRORS = {
  ERR_NO_TOKEN: [401, "missing Authorization: Bearer <token> header"],
  ERR_TOKEN_TOO_LARGE: [401, "token is larger than 8 KiB"],
  ERR_TOKEN_MALFORMED: [401, "token is not a well-formed JWT"],
  ERR_UNKNOWN_KEY: [401, "token names a key id (kid) that is not configured"],
  ERR_ALG_NOT_ALLOWED: [401, "token algorithm is not the one pinned for its key"],
  ERR_BAD_SIGNATURE: [401, "token signature does not verify"],
  ERR_EXPIRED: [401, "token has expired"],
  ERR_IAT_FUTURE: [401, "token iat is in the future (check the runner's clock)"],
  ERR_LIFETIME: [401, "token lives longer than 5 minutes (exp - iat > 300)"],
  ERR_CLAIM_MISSING: [401, "token lacks a required claim"],
  ERR_CLAIM_INVALID: [401, "token has an invalid claim"],
  ERR_AUDIENCE: [401, "token audience does not match this receiver"],
  ERR_REPLAYED: [401, "token was already used (jti is single-use)"],
  ERR_WRONG_APP: [403, "token is for another app"],
  ERR_WRONG_OP: [403, "token is for another operation"],
  ERR_KEY_NOT_ALLOWED: [403, "this key may not deploy this app"],
  ERR_ADMIN_NOT_ALLOWED: [403, "this token may not act on the receiver itself"],
  ERR_SHA256_MISMATCH: [403, "token is bound to another artifact"],
  ERR_ISSUER: [401, "token issuer is not the one in auth.github.issuer"],
  ERR_OIDC_OFF: [
    401,
    "keyless (GitHub OIDC) deploys are not configured on this receiver (auth.github)",
  ],
  ERR_OIDC_POLICY: [403, "the workflow is not allowed to deploy"],
  ERR_ISSUER_UNREACHABLE: [503, "cannot reach the token issuer to verify the token; try again"],
} as const satisfies Record<string, readonly [401 | 403 | 503, string]>;

export type AuthErrorCode = keyof typeof AUTH_ERRORS;

export class AuthError extends HttpError {
  declare readonly code: AuthErrorCode;
  constructor(code: AuthErrorCode, detail?: string) {
    const [status, message] = AUTH_ERRORS[code];
    super(status, code, detail ? `${message}: ${detail}` : message);
    this.name = "AuthError";
  }
}

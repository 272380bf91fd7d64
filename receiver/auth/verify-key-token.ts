import { decodeProtectedHeader, jwtVerify } from "jose";
import { MAX_TOKEN_LIFETIME_S } from "../protocol.js";
import { AuthError } from "./auth-error.js";
import { fromJose } from "./jose-errors.js";
import type { VerifyKey } from "./load-keys.js";
import { keyTokenClaims, tokenClaims, type KeyTokenClaims } from "./token-claims.js";

/** Tokens of either kind larger than this are refused before any parsing. */
export const MAX_TOKEN_BYTES = 8192;
const CLOCK_TOLERANCE_S = 30;

// Checks a key-mode token's signature and claims (docs/design.md §5). It does
// not consult the replay store or the request: see authorize.ts for those.
export async function verifyKeyToken(
  token: string,
  keys: Map<string, VerifyKey>,
  audience: string,
): Promise<KeyTokenClaims & { kid: string }> {
  if (token.length > MAX_TOKEN_BYTES) throw new AuthError("ERR_TOKEN_TOO_LARGE");
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    throw new AuthError("ERR_TOKEN_MALFORMED");
  }
  const key = kid === undefined ? undefined : keys.get(kid);
  if (!key)
    throw new AuthError(
      "ERR_UNKNOWN_KEY",
      kid === undefined ? "no kid in the header" : `kid "${kid}"`,
    );
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key.key, {
      algorithms: [key.alg],
      audience,
      typ: "JWT",
      requiredClaims: ["exp", "iat", "jti", "app", "op"],
      clockTolerance: CLOCK_TOLERANCE_S,
    }));
  } catch (error) {
    throw fromJose(error, `key "${key.id}" takes ${key.alg} only`, audience);
  }
  return { ...checkClaims(payload), kid: key.id };
}

// jose has checked the signature, aud, exp and that the required claims exist;
// the types and the rules of docs/design.md §5 are checked here.
function checkClaims(payload: Record<string, unknown>): KeyTokenClaims {
  const claims = tokenClaims(keyTokenClaims, payload);
  const now = Math.floor(Date.now() / 1000);
  if (claims.iat > now + CLOCK_TOLERANCE_S) throw new AuthError("ERR_IAT_FUTURE");
  if (claims.exp - claims.iat > MAX_TOKEN_LIFETIME_S) throw new AuthError("ERR_LIFETIME");
  return claims;
}

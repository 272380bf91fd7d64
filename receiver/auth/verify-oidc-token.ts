import { jwtVerify } from "jose";
import { AuthError } from "./auth-error.js";
import { fromJose } from "./jose-errors.js";
import type { OidcIssuer } from "./oidc-issuer.js";
import { oidcTokenClaims, tokenClaims, type OidcTokenClaims } from "./token-claims.js";

const CLOCK_TOLERANCE_S = 60;

// A GitHub Actions ID token: RS256 only, signed by a key of the configured
// issuer's JWKS, from exactly that issuer, for exactly the audience that binds
// it to one app, operation and artifact (docs/design.md §5, OIDC mode).
export async function verifyOidcToken(
  token: string,
  issuer: OidcIssuer,
  boundAudience: string,
): Promise<OidcTokenClaims> {
  try {
    const { payload } = await jwtVerify(token, await issuer.getKey(), {
      algorithms: ["RS256"],
      issuer: issuer.url,
      audience: boundAudience,
      requiredClaims: ["exp", "iat", "jti"],
      clockTolerance: CLOCK_TOLERANCE_S,
    });
    const claims = tokenClaims(oidcTokenClaims, payload);
    // jose checks iat only with maxTokenAge; a token from the future is refused here.
    if (claims.iat > Date.now() / 1000 + CLOCK_TOLERANCE_S) throw new AuthError("ERR_IAT_FUTURE");
    return claims;
  } catch (error) {
    // fetch() fails with a TypeError when the issuer's JWKS cannot be reached.
    if (error instanceof TypeError) throw new AuthError("ERR_ISSUER_UNREACHABLE", error.message);
    throw fromJose(error, "GitHub ID tokens are RS256", boundAudience);
  }
}

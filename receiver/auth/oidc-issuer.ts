import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";
import * as z from "../zod.js";
import { AuthError } from "./auth-error.js";

const TIMEOUT_MS = 5000;

/** What the receiver reads of an issuer's discovery document (OpenID Connect Discovery 1.0). */
const discovery = z.object({ issuer: z.optional(z.string()), jwks_uri: z.optional(z.string()) });

// The issuer's signing keys, found through its discovery document and cached by
// jose (an unknown kid refetches the JWKS at most once per cooldown, which is
// how a key rotation at GitHub is picked up without a restart). A failed
// discovery is not cached: the next request tries again.
export class OidcIssuer {
  private keys: JWTVerifyGetKey | undefined;

  constructor(readonly url: string) {}

  async getKey(): Promise<JWTVerifyGetKey> {
    if (this.keys) return this.keys;
    let jwksUri: string;
    try {
      const res = await fetch(`${this.url}/.well-known/openid-configuration`, {
        signal: AbortSignal.timeout(TIMEOUT_MS),
        redirect: "error",
      });
      if (!res.ok) throw new Error(`discovery answered ${res.status}`);
      const parsed = discovery.safeParse(await res.json());
      if (!parsed.success) throw new Error("discovery document is not a JSON object of strings");
      const doc = parsed.data;
      if (doc.issuer?.replace(/\/$/, "") !== this.url || !doc.jwks_uri)
        throw new Error("discovery document names another issuer or no jwks_uri");
      jwksUri = doc.jwks_uri;
    } catch (error) {
      throw new AuthError("ERR_ISSUER_UNREACHABLE", `${this.url}: ${(error as Error).message}`);
    }
    this.keys = createRemoteJWKSet(new URL(jwksUri), {
      timeoutDuration: TIMEOUT_MS,
      cooldownDuration: 30_000,
      cacheMaxAge: 600_000,
    });
    return this.keys;
  }
}

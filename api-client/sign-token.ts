import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { MAX_TOKEN_LIFETIME_S, type DeployClaims } from "../receiver/protocol.js";
import type { SigningKey } from "./signing-key.js";

/** What the caller decides; the times and the jti are set here. */
export type TokenClaims = Omit<DeployClaims, "iat" | "exp" | "jti">;

// The receiver refuses a jti it has seen and a token older than five minutes, so every
// request, and every retry of it, is signed afresh right before it goes out.
export async function signToken(
  key: SigningKey,
  keyId: string,
  claims: TokenClaims,
  now = Date.now(),
): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: key.alg, typ: "JWT", kid: keyId })
    .setIssuedAt(iat)
    .setExpirationTime(iat + MAX_TOKEN_LIFETIME_S)
    .setJti(randomUUID())
    .sign(key.key);
}

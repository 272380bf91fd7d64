import { randomUUID } from "node:crypto";
import { SignJWT, type JWTPayload } from "jose";
import type { Op } from "../../receiver/protocol.js";

export const SECRET = "test-secret-0123456789abcdef0123456789abcdef";

export interface MintOptions {
  app?: string;
  op: Op;
  sha256?: string;
  audience?: string;
  secret?: string | Uint8Array;
  kid?: string;
  alg?: string;
  /** Claims to add or override (undefined removes one). */
  claims?: Record<string, unknown>;
  iat?: number;
  exp?: number;
}

// A key-mode token as the action mints it, with every knob a test needs to
// make it wrong in one particular way.
export async function mint(o: MintOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: JWTPayload = {
    aud: o.audience ?? "https://deploy.test",
    iat: o.iat ?? now,
    exp: o.exp ?? (o.iat ?? now) + 300,
    jti: randomUUID(),
    app: o.app ?? "webdemo",
    op: o.op,
    ...(o.sha256 ? { sha256: o.sha256 } : {}),
    repository: "octo/webdemo",
    ref: "refs/tags/v1.0.0",
    actor: "tester",
    ...o.claims,
  };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  const key =
    typeof o.secret === "string" || o.secret === undefined
      ? new TextEncoder().encode(o.secret ?? SECRET)
      : o.secret;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: o.alg ?? "HS256", typ: "JWT", kid: o.kid ?? "ci" })
    .sign(key);
}

/** An unsecured token (alg "none"), which must never pass. */
export function unsecured(payload: Record<string, unknown>, alg = "none"): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  return `${enc({ alg, typ: "JWT", kid: "ci" })}.${enc(payload)}.`;
}

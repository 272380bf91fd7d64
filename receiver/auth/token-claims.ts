import { OPS } from "../protocol.js";
import * as z from "../zod.js";
import { AuthError } from "./auth-error.js";

const text = z.optional(z.string());
const jti = z.string().check(z.minLength(1), z.maxLength(128));

/** The claims of a key-mode token (docs/design.md §5) the receiver reads. */
export const keyTokenClaims = z.object({
  aud: z.union([z.string(), z.array(z.string())]),
  iat: z.number(),
  exp: z.number(),
  jti,
  app: z.string(),
  op: z.literal(OPS),
  sha256: z.optional(
    z.string().check(z.regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hex digits")),
  ),
  repository: text,
  ref: text,
  sha: text,
  run_id: text,
  actor: text,
});

export type KeyTokenClaims = z.output<typeof keyTokenClaims>;

/** The claims of a GitHub Actions ID token the receiver reads: the times, the policy's, the journal's. */
export const oidcTokenClaims = z.object({
  iat: z.number(),
  exp: z.number(),
  jti,
  repository: text,
  repository_id: text,
  repository_owner_id: text,
  ref: text,
  environment: text,
  event_name: text,
  job_workflow_ref: text,
  runner_environment: text,
  sha: text,
  run_id: text,
  actor: text,
});

export type OidcTokenClaims = z.output<typeof oidcTokenClaims>;

// A verified token's payload as the types the receiver reads, or the claim that
// is missing or wrong: jose has checked the signature and the registered claims,
// not the shape of the rest.
export function tokenClaims<T extends z.ZodMiniType>(
  schema: T,
  payload: Record<string, unknown>,
): z.output<T> {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const claim = issue?.path[0];
  if (typeof claim === "string" && payload[claim] === undefined)
    throw new AuthError("ERR_CLAIM_MISSING", claim);
  throw new AuthError("ERR_CLAIM_INVALID", `${String(claim)}: ${issue?.message ?? "invalid"}`);
}

import type { AppConfig } from "../config/load-config.js";
import type { GithubConfig } from "../config/schema.js";
import { RECEIVER_SCOPE, type Op } from "../protocol.js";
import { AuthError } from "./auth-error.js";
import { checkGithubPolicy } from "./github-policy.js";
import type { TokenPrincipal } from "./principal.js";
import type { ReplayStore } from "./replay-store.js";

/** The largest clock tolerance of either token kind (verify-key-token, verify-oidc-token). */
export const REPLAY_MARGIN_S = 60;

export interface Request {
  app: AppConfig;
  op: Op;
  /** The X-Hotswap-Sha256 header, for deploy and upload. */
  sha256?: string;
}

// Binds a verified token to this one request (the app, the operation and the
// artifact it names), applies the app's own narrowing and the GitHub policy,
// then spends its jti. Only a token that passed every check writes anything
// (the jti), so a refused token changes nothing on disk; and a token is accepted
// only once its jti is on disk (a failed write rejects, and the token with it).
export async function authorize(
  p: TokenPrincipal,
  request: Request,
  replay: ReplayStore,
  github?: GithubConfig,
): Promise<void> {
  const { app, op } = request;
  if (p.app !== app.name)
    throw new AuthError("ERR_WRONG_APP", `token app "${p.app}", request app "${app.name}"`);
  if (p.op !== op) throw new AuthError("ERR_WRONG_OP", `token op "${p.op}", request op "${op}"`);
  if (op === "deploy" || op === "upload") {
    if (p.sha256 === undefined) throw new AuthError("ERR_CLAIM_MISSING", "sha256");
    if (p.sha256 !== request.sha256) throw new AuthError("ERR_SHA256_MISMATCH");
  }
  if (p.via === "key") {
    // An app with an auth block admits only the key ids it lists.
    if (app.auth && !app.auth.keys?.includes(p.keyId))
      throw new AuthError(
        "ERR_KEY_NOT_ALLOWED",
        `apps.${app.name}.auth.keys does not list "${p.keyId}"`,
      );
  } else {
    // identify() accepts an ID token only when auth.github is configured.
    if (!github) throw new AuthError("ERR_OIDC_OFF", "auth.github is not configured");
    checkGithubPolicy(p.github, github, "auth.github", true);
    if (app.auth && !app.auth.github)
      throw new AuthError(
        "ERR_OIDC_POLICY",
        `apps.${app.name}.auth has no github policy: keyless deploys of this app are off`,
      );
    if (app.auth?.github)
      checkGithubPolicy(p.github, app.auth.github, `apps.${app.name}.auth.github`, false);
  }
  await spend(p, replay);
}

// A token for the receiver itself (op admin: upgrade, reload) acts on every app at
// once, so no app's narrowing applies and no workflow policy is fine-grained enough:
// only a key-mode token signed with a key that auth.adminKeys names (none by default).
export async function authorizeReceiver(
  p: TokenPrincipal,
  adminKeys: readonly string[],
  replay: ReplayStore,
): Promise<void> {
  if (p.app !== RECEIVER_SCOPE)
    throw new AuthError(
      "ERR_WRONG_APP",
      `token app "${p.app}"; a token for the receiver itself has app "${RECEIVER_SCOPE}"`,
    );
  if (p.op !== "admin")
    throw new AuthError("ERR_WRONG_OP", `token op "${p.op}", request op "admin"`);
  if (p.via !== "key")
    throw new AuthError(
      "ERR_ADMIN_NOT_ALLOWED",
      "the receiver's own operations take a key-mode token signed with a key in auth.adminKeys, not a GitHub ID token",
    );
  if (!adminKeys.includes(p.keyId))
    throw new AuthError(
      "ERR_ADMIN_NOT_ALLOWED",
      adminKeys.length === 0
        ? "auth.adminKeys lists no key, so the receiver's own operations are off"
        : `auth.adminKeys does not list "${p.keyId}"`,
    );
  await spend(p, replay);
}

// Only a token that passed every check is spent; a token is accepted only once its
// jti is on disk.
async function spend(p: TokenPrincipal, replay: ReplayStore): Promise<void> {
  if (replay.has(p.jti)) throw new AuthError("ERR_REPLAYED");
  // Tokens pass until exp plus the clock tolerance: remember the jti at least that long.
  await replay.add(p.jti, p.exp + REPLAY_MARGIN_S);
}

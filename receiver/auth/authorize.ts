import type { DeployClaims, Op } from "../protocol.js";
import { AuthError } from "./auth-error.js";
import type { ReplayStore } from "./replay-store.js";

export interface Request {
  app: string;
  op: Op;
  /** The X-Hotswap-Sha256 header, for deploy and upload. */
  sha256?: string;
  /** Key ids the app's own auth block allows; undefined = every key. */
  allowedKeys?: string[];
}

// Binds a verified token to this one request: the app, the operation and the
// artifact it names; then spends its jti. Only a token that passed every check
// writes anything (the jti), so a refused token changes nothing on disk.
export function authorize(
  claims: DeployClaims & { kid: string },
  request: Request,
  replay: ReplayStore,
) {
  if (claims.app !== request.app)
    throw new AuthError("ERR_WRONG_APP", `token app "${claims.app}", request app "${request.app}"`);
  if (claims.op !== request.op)
    throw new AuthError("ERR_WRONG_OP", `token op "${claims.op}", request op "${request.op}"`);
  if (request.allowedKeys && !request.allowedKeys.includes(claims.kid)) {
    throw new AuthError("ERR_KEY_NOT_ALLOWED", `key "${claims.kid}"`);
  }
  if (request.op === "deploy" || request.op === "upload") {
    if (claims.sha256 === undefined) throw new AuthError("ERR_CLAIM_MISSING", "sha256");
    if (claims.sha256 !== request.sha256) throw new AuthError("ERR_SHA256_MISMATCH");
  }
  if (replay.has(claims.jti)) throw new AuthError("ERR_REPLAYED");
  replay.add(claims.jti, claims.exp);
}

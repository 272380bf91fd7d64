import type { MiddlewareHandler } from "hono";
import { AuthError } from "../auth/auth-error.js";
import { authorize } from "../auth/authorize.js";
import { verifyKeyToken } from "../auth/verify-key-token.js";
import { SHA256_HEADER, type DeployClaims, type Op } from "../protocol.js";
import type { Receiver } from "../receiver.js";
import type { AppRuntime } from "../runtime/app-runtime.js";
import { HttpError } from "./http-error.js";
import type { ApiEnv } from "./api-env.js";

declare module "hono" {
  interface ContextVariableMap {
    claims: DeployClaims & { kid: string };
    runtime: AppRuntime;
  }
}

// Checks the bearer token for one operation on the app in the path, before one
// byte of the body is read; sets the claims and the app's runtime on the context.
export function authenticate(receiver: Receiver, op: Op): MiddlewareHandler<ApiEnv> {
  return async function authenticateRequest(c, next) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
    if (!match) throw new AuthError("ERR_NO_TOKEN");
    const claims = await verifyKeyToken(match[1]!, receiver.keys, receiver.config.audience);
    const name = c.req.param("app") ?? "";
    const runtime = receiver.apps.get(name);
    if (!runtime)
      throw new HttpError(
        404,
        "ERR_UNKNOWN_APP",
        `no app named ${JSON.stringify(name.slice(0, 64))} is configured on this receiver`,
      );
    const sha256 = c.req.header(SHA256_HEADER)?.toLowerCase();
    if ((op === "deploy" || op === "upload") && !/^[0-9a-f]{64}$/.test(sha256 ?? "")) {
      throw new HttpError(
        400,
        "ERR_SHA256_HEADER",
        `header X-Hotswap-Sha256 must hold the artifact's SHA-256 as 64 hex digits`,
      );
    }
    authorize(
      claims,
      { app: name, op, sha256, allowedKeys: runtime.config.auth?.keys },
      receiver.replay,
    );
    c.set("claims", claims);
    c.set("runtime", runtime);
    await next();
  };
}

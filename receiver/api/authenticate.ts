import type { Context, MiddlewareHandler } from "hono";
import { AuthError } from "../auth/auth-error.js";
import { authorize, authorizeReceiver } from "../auth/authorize.js";
import { identify } from "../auth/identify.js";
import type { TokenPrincipal } from "../auth/principal.js";
import { GITHUB_DEPLOYMENT_HEADER, RECEIVER_SCOPE, SHA256_HEADER, type Op } from "../protocol.js";
import type { Receiver } from "../receiver.js";
import type { AppRuntime } from "../runtime/app-runtime.js";
import type { HttpEnv } from "../http/http-env.js";
import { HttpError, tooManyFailures, unknownApp } from "../http-error.js";

declare module "hono" {
  interface ContextVariableMap {
    /** The API's caller, once its token has verified for this request. */
    principal: TokenPrincipal;
    runtime: AppRuntime;
  }
}

// Checks the bearer token for one operation on the app in the path, before one
// byte of the body is read; sets the caller and the app's runtime on the context.
export function authenticate(receiver: Receiver, op: Op): MiddlewareHandler<HttpEnv> {
  return guarded(receiver, async (c, token) => {
    const name = c.req.param("app") ?? "";
    const sha256 = c.req.header(SHA256_HEADER)?.toLowerCase();
    if ((op === "deploy" || op === "upload") && !/^[0-9a-f]{64}$/.test(sha256 ?? "")) {
      throw new HttpError(
        400,
        "ERR_SHA256_HEADER",
        "header X-Hotswap-Sha256 must hold the artifact's SHA-256 as 64 hex digits",
      );
    }
    const principal = await identify(token, receiver.trust, { app: name, op, sha256 });
    const runtime = receiver.apps.get(name);
    if (!runtime) throw unknownApp(name);
    await authorize(
      principal,
      { app: runtime.config, op, sha256 },
      receiver.replay,
      receiver.config.auth.github,
    );
    const githubDeployment = githubDeploymentOf(c);
    if (githubDeployment) principal.who = { ...principal.who, githubDeployment };
    c.set("principal", principal);
    c.set("runtime", runtime);
  });
}

// The action's GitHub Deployment id, journaled with the call: a positive whole number.
// It is the caller's word (the token does not sign it), so it only links, never grants.
function githubDeploymentOf(c: Context<HttpEnv>): number | undefined {
  const value = c.req.header(GITHUB_DEPLOYMENT_HEADER);
  if (value === undefined) return undefined;
  const id = /^[1-9][0-9]{0,15}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(id))
    throw new HttpError(
      400,
      "ERR_GITHUB_DEPLOYMENT_HEADER",
      `header X-Hotswap-GitHub-Deployment must be a GitHub deployment id (a positive whole number), not ${JSON.stringify(value.slice(0, 40))}`,
    );
  return id;
}

// The same for an operation on the receiver itself (op admin, app "*"): sets the caller.
export function authenticateReceiver(receiver: Receiver): MiddlewareHandler<HttpEnv> {
  return guarded(receiver, async (c, token) => {
    const principal = await identify(token, receiver.trust, { app: RECEIVER_SCOPE, op: "admin" });
    await authorizeReceiver(principal, receiver.config.auth.adminKeys, receiver.replay);
    c.set("principal", principal);
  });
}

// What both share: the bearer token, and the limit on failed authentications per
// client address (a refused token counts; an issuer that cannot be reached does not).
function guarded(
  receiver: Receiver,
  check: (c: Context<HttpEnv>, token: string) => Promise<void>,
): MiddlewareHandler<HttpEnv> {
  return async function authenticateRequest(c, next) {
    const address = receiver.clientAddress(c.env.incoming);
    const wait = receiver.failures.retryAfter(address);
    if (wait) {
      throw tooManyFailures(
        "ERR_RATE_LIMITED",
        `too many failed authentications from ${address}; try again in ${wait} s`,
        wait,
      );
    }
    try {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
      if (!match) throw new AuthError("ERR_NO_TOKEN");
      await check(c, match[1]!);
    } catch (error) {
      if (error instanceof AuthError && error.status !== 503) receiver.failures.fail(address);
      throw error;
    }
    await next();
  };
}

import type { DeployClaims, Op } from "../receiver/protocol.js";
import { boundAudience } from "../receiver/protocol.js";
import { signToken } from "./sign-token.js";
import type { SigningKey } from "./signing-key.js";

/** Who asks for what: the parts of a client's settings a token is made from. */
export interface TokenRequest {
  /** Key mode when set; GitHub OIDC when not. */
  key?: SigningKey | undefined;
  keyId: string;
  audience: string;
  app: string;
  op: Op;
  sha256?: string | undefined;
}

/** What differs between the action and the CLI when a token is made. */
export interface Signer {
  /** A GitHub Actions OIDC token for this audience, from the runner. */
  idToken(audience: string): Promise<string>;
  /** Keeps a secret out of what is printed from now on (the runner's mask). */
  mask(secret: string): void;
  /** Who deploys, for the receiver's journal. */
  who(): Pick<DeployClaims, "repository" | "ref" | "sha" | "run_id" | "actor">;
}

// Each request carries its own proof, made right before it goes out: a token signed with
// the key, or a GitHub OIDC token whose audience names this app, operation and artifact,
// so a token caught in flight is good for nothing else.
export async function credential(request: TokenRequest, signer: Signer): Promise<string> {
  const { key, keyId, audience, app, op, sha256 } = request;
  if (!key) return signer.idToken(boundAudience(audience, app, op, sha256));
  const token = await signToken(key, keyId, { aud: audience, app, op, sha256, ...signer.who() });
  signer.mask(token);
  return token;
}

/** The line a log opens with, saying how this client proves who it is. */
export function describeCredential({ key, keyId, audience }: TokenRequest): string {
  return key
    ? `signing with key "${keyId}" (${key.alg})`
    : `using a GitHub OIDC token for ${audience}`;
}

// The workflow run, read from the runner's environment (a GitHub job, or the CLI run in
// one) rather than @actions/github's context, which would add Octokit (~900 KB).
export function workflowRun(
  env: NodeJS.ProcessEnv,
): Pick<DeployClaims, "repository" | "ref" | "sha" | "run_id" | "actor"> {
  return {
    repository: env["GITHUB_REPOSITORY"],
    ref: env["GITHUB_REF"],
    sha: env["GITHUB_SHA"],
    run_id: env["GITHUB_RUN_ID"],
    actor: env["GITHUB_ACTOR"],
  };
}

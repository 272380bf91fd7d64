import * as core from "@actions/core";
import { boundAudience } from "../receiver/protocol.js";
import type { Settings } from "./settings.js";
import { signToken } from "./sign-token.js";

// Each request carries its own proof, made right before it goes out: a token signed with
// the key, or a GitHub OIDC token whose audience names this app, operation and artifact,
// so a token caught in flight is good for nothing else.
export async function credential(settings: Settings, sha256?: string): Promise<string> {
  const { key, keyId, audience, app, operation: op } = settings;
  if (!key) {
    return core.getIDToken(boundAudience(audience, app, op, sha256));
  }
  const env = process.env;
  const token = await signToken(key, keyId, {
    aud: audience,
    app,
    op,
    sha256,
    // Who deployed, for the receiver's journal. Read from the runner's environment rather
    // than @actions/github's context, which would add Octokit (~900 KB) to the bundle.
    repository: env["GITHUB_REPOSITORY"],
    ref: env["GITHUB_REF"],
    sha: env["GITHUB_SHA"],
    run_id: env["GITHUB_RUN_ID"],
    actor: env["GITHUB_ACTOR"],
  });
  core.setSecret(token);
  return token;
}

import type { GithubPolicy } from "../config/schema.js";
import { AuthError } from "./auth-error.js";
import { matchesAny } from "./glob.js";

/** The claims of a GitHub Actions ID token that a policy can pin. */
export interface GithubClaims {
  repository?: string;
  repository_id?: string;
  repository_owner_id?: string;
  ref?: string;
  environment?: string;
  event_name?: string;
  job_workflow_ref?: string;
  runner_environment?: string;
}

const RULES: [keyof GithubPolicy, keyof GithubClaims][] = [
  ["repositoryIds", "repository_id"],
  ["repositoryOwnerIds", "repository_owner_id"],
  ["repositories", "repository"],
  ["refs", "ref"],
  ["environments", "environment"],
  ["events", "event_name"],
  ["jobWorkflowRefs", "job_workflow_ref"],
  ["runnerEnvironments", "runner_environment"],
];
const PULL_REQUEST_EVENTS = ["pull_request", "pull_request_target"];

// Every configured list must hold the token's claim; a refusal names the claim,
// its value and the list, so a user can fix either side. Pull-request events
// run code from forks' branches: refused unless the global policy names them.
export function checkGithubPolicy(
  claims: GithubClaims,
  policy: GithubPolicy,
  where: string,
  pullRequestsByNameOnly: boolean,
): void {
  for (const [key, claim] of RULES) {
    const allowed = policy[key];
    if (!allowed) continue;
    const value = claims[claim] === undefined ? undefined : String(claims[claim]);
    if (value === undefined || !matchesAny(value, allowed)) {
      const shown =
        value === undefined
          ? "is missing"
          : `${JSON.stringify(value)} is not in ${where}.${key} ${JSON.stringify(allowed)}`;
      throw new AuthError("ERR_OIDC_POLICY", `${claim} ${shown}`);
    }
  }
  const event = String(claims.event_name ?? "");
  if (
    pullRequestsByNameOnly &&
    PULL_REQUEST_EVENTS.includes(event) &&
    !policy.events?.includes(event)
  ) {
    throw new AuthError(
      "ERR_OIDC_POLICY",
      `event_name "${event}" is refused unless ${where}.events names it`,
    );
  }
}

import { hostname, userInfo } from "node:os";
import type { Client } from "../api-client/call.js";
import { workflowRun, type Signer } from "../api-client/credential.js";
import { VERSION } from "../api-client/send.js";
import { githubIdToken } from "./github-oidc.js";
import type { Redactor } from "./redact.js";
import type { Settings } from "./settings.js";
import type { Terminal } from "./terminal.js";

// Tokens made by the CLI: OIDC when run in a GitHub job without a key, each token cut
// from the output, and who deploys: the workflow run, or else the user on this machine.
export function cliSigner(env: NodeJS.ProcessEnv, redactor: Redactor): Signer {
  return {
    idToken: async (audience) => {
      const token = await githubIdToken(audience, env);
      redactor.add(token);
      return token;
    },
    mask: (secret) => redactor.add(secret),
    who: () => {
      const run = workflowRun(env);
      return run.actor ? run : { ...run, actor: localUser() };
    },
  };
}

function localUser(): string | undefined {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return undefined;
  }
}

// What makes the shared client code the CLI: the terminal display, and a pointer to the
// command that shows the outcome when the answer is lost.
export function cliClient(
  settings: Settings,
  out: Terminal,
  signer: Signer,
  tap?: (line: string) => void,
): Client {
  return {
    out,
    signer,
    userAgent: `hotswap-cli/${VERSION}`,
    progress: (total) => out.progress(total),
    ...(tap ? { tap } : {}),
    outcome: `hotswap status --url ${settings.url} --app ${settings.app}`,
  };
}

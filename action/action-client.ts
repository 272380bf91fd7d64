import * as core from "@actions/core";
import type { Client } from "../api-client/call.js";
import { workflowRun, type Signer } from "../api-client/credential.js";
import { VERSION } from "../api-client/send.js";
import { uploadProgress } from "../api-client/upload-progress.js";
import type { Settings } from "./settings.js";
import { workflowLog } from "./workflow-log.js";

/** Tokens in a workflow: OIDC from the runner, each token masked, the run named. */
export const actionSigner: Signer = {
  idToken: (audience) => core.getIDToken(audience),
  mask: (secret) => core.setSecret(secret),
  who: () => workflowRun(process.env),
};

// What makes the shared client code the action: it writes the workflow log, prints upload
// progress every 5 s, and points at the journal when the answer is lost.
export function actionClient({ url, app }: Settings): Client {
  const out = workflowLog();
  return {
    out,
    signer: actionSigner,
    userAgent: `hotswap-action/${VERSION}`,
    progress: (total) => uploadProgress(total, (line) => out.info(line)),
    outcome: `GET ${url}/v1/apps/${app}`,
  };
}

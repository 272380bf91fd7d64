import type { Socket } from "node:net";
import type { IncomingMessage } from "node:http";
import * as core from "@actions/core";
import type { ResultEvent } from "../receiver/protocol.js";
import { credential } from "./credential.js";
import { megabytes } from "./format.js";
import type { Artifact } from "./hash-file.js";
import { httpError } from "./http-error.js";
import { readLines } from "./read-lines.js";
import { renderStream } from "./render-stream.js";
import { retry, RetryableError } from "./retry.js";
import { send } from "./send.js";
import type { Settings } from "./settings.js";

// Runs the operation on the receiver: the request, sent again while the receiver is
// unreachable or busy with another deploy, then the receiver's account of it, step by step.
export async function call(
  settings: Settings,
  artifact: Artifact | undefined,
  signal: AbortSignal,
): Promise<ResultEvent> {
  const { url, app, operation, key } = settings;
  const endpoint = new URL(`${url}/v1/apps/${encodeURIComponent(app)}/${operation}`);
  if (settings.rollbackTo) endpoint.searchParams.set("to", settings.rollbackTo);
  if (settings.force) endpoint.searchParams.set("force", "1");
  const title = artifact ? `Upload ${megabytes(artifact.size)} to ${endpoint}` : `POST ${endpoint}`;
  const response = await core.group(title, () => {
    core.info(
      key
        ? `signing with key "${settings.keyId}" (${key.alg})`
        : `using a GitHub OIDC token for ${settings.audience}`,
    );
    return retry(() => attempt(endpoint.href, settings, artifact, signal), signal);
  });
  // The receiver finishes or rolls back on its own when the answer is lost on the way.
  const unknown = `the outcome is in the receiver's journal: GET ${url}/v1/apps/${app}`;
  const result = await renderStream(readLines(response)).catch((error: Error) => {
    throw new Error(`the receiver's answer broke off (${error.message}); ${unknown}`);
  });
  if (!result) throw new Error(`the receiver's answer ended without a result; ${unknown}`);
  return result;
}

async function attempt(
  url: string,
  settings: Settings,
  artifact: Artifact | undefined,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const token = await credential(settings, artifact?.sha256);
  const response = await send(url, token, artifact, signal);
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return response;
  const error = await httpError(response);
  // Drops the connection, which also stops an upload the receiver has already refused.
  // The socket is gone already (null) when the receiver closed first, as it may after a refusal.
  (response.socket as Socket | null)?.destroy();
  throw status === 409 ? new RetryableError(error.message) : error;
}

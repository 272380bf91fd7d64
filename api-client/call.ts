import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Op, ReadOp, ResultEvent } from "../receiver/protocol.js";
import { credential, describeCredential, type Signer } from "./credential.js";
import { bytes } from "./format.js";
import type { Artifact } from "./hash-file.js";
import { httpError } from "./http-error.js";
import type { Out } from "./out.js";
import { readLines } from "./read-lines.js";
import { renderStream } from "./render-stream.js";
import { retry, RetryableError } from "./retry.js";
import { send } from "./send.js";
import type { SigningKey } from "./signing-key.js";
import type { Progress } from "./upload-progress.js";

/** The operations that change something and answer with a stream ending in a result. */
export type Operation = Exclude<Op, ReadOp>;

/** A receiver and an app on it, and the key to prove the right to it. */
export interface Target {
  /** The receiver's base URL, without a trailing slash. */
  url: string;
  app: string;
  /** Key mode when set; GitHub OIDC when not. */
  key?: SigningKey | undefined;
  keyId: string;
  audience: string;
  /** The GitHub Deployment this call puts live, for the receiver's journal. */
  githubDeployment?: number | undefined;
}

/** How one client (the action, the CLI) writes, signs and counts. */
export interface Client {
  out: Out;
  signer: Signer;
  userAgent: string;
  /** Counts the upload's bytes on their way out and shows them. */
  progress(total: number): Progress;
  /** Sees each line of the receiver's answer as it came, before it is rendered. */
  tap?(line: string): void;
  /** What to run or call to learn the outcome when the answer is lost on the way. */
  outcome: string;
}

export interface OperationRequest extends Target {
  operation: Operation;
  rollbackTo?: string | undefined;
  force?: boolean;
}

// Runs the operation on the receiver: the request, sent again while the receiver is
// unreachable or busy with another deploy, then the receiver's account of it, step by step.
export async function call(
  request: OperationRequest,
  client: Client,
  artifact: Artifact | undefined,
  signal: AbortSignal,
): Promise<ResultEvent> {
  const { url, app, operation } = request;
  const endpoint = new URL(`${url}/v1/apps/${encodeURIComponent(app)}/${operation}`);
  if (request.rollbackTo) endpoint.searchParams.set("to", request.rollbackTo);
  if (request.force) endpoint.searchParams.set("force", "1");
  const title = artifact ? `Upload ${bytes(artifact.size)} to ${endpoint}` : `POST ${endpoint}`;
  const response = await client.out.group(title, () => {
    client.out.info(describeCredential({ ...request, op: operation }));
    return open(endpoint, { ...request, op: operation }, client, signal, artifact);
  });
  // The receiver finishes or rolls back on its own when the answer is lost on the way.
  const unknown = `the outcome is in the receiver's journal: ${client.outcome}`;
  const tap = client.tap;
  const lines = readLines(response);
  const result = await renderStream(tap ? tapped(lines, tap) : lines, client.out).catch(
    (error: Error) => {
      throw new Error(`the receiver's answer broke off (${error.message}); ${unknown}`);
    },
  );
  if (!result) throw new Error(`the receiver's answer ended without a result; ${unknown}`);
  return result;
}

async function* tapped(lines: AsyncIterable<string>, tap: (line: string) => void) {
  for await (const line of lines) {
    tap(line);
    yield line;
  }
}

// One call's answer once it is a 2xx: sent again (with a fresh token) while the receiver
// is unreachable or busy, any other refusal thrown with the receiver's code and message.
// GET without an artifact (status, logs), POST otherwise.
export function open(
  endpoint: URL,
  request: Target & { op: Op },
  client: Client,
  signal: AbortSignal,
  artifact?: Artifact,
): Promise<IncomingMessage> {
  const method = request.op === "status" || request.op === "logs" ? "GET" : "POST";
  return retry(
    () => attempt(endpoint.href, method, request, client, signal, artifact),
    signal,
    (text) => client.out.untrusted(text),
  );
}

async function attempt(
  url: string,
  method: "GET" | "POST",
  request: Target & { op: Op },
  client: Client,
  signal: AbortSignal,
  artifact: Artifact | undefined,
): Promise<IncomingMessage> {
  const token = await credential({ ...request, sha256: artifact?.sha256 }, client.signer);
  const { userAgent } = client;
  const progress = (total: number) => client.progress(total);
  const { githubDeployment } = request;
  const response = await send({
    url,
    method,
    token,
    artifact,
    signal,
    userAgent,
    progress,
    githubDeployment,
  });
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return response;
  const error = await httpError(response);
  // Drops the connection, which also stops an upload the receiver has already refused.
  // The socket is gone already (null) when the receiver closed first, as it may after a refusal.
  (response.socket as Socket | null)?.destroy();
  throw status === 409 ? new RetryableError(error.message) : error;
}

import { readFileSync } from "node:fs";
import type { StreamEvent } from "../../receiver/protocol.js";
import { call, sha256, type CallResult } from "./api-client.js";
import type { ReceiverProcess } from "./receiver-process.js";
import { mint } from "./tokens.js";

/** Deploys a build file to the workspace's app the way the action does, with a fresh token. */
export async function deploy(
  rx: ReceiverProcess,
  file: string,
  onEvent?: (event: StreamEvent) => void,
  app = "webdemo",
): Promise<CallResult> {
  const body = readFileSync(file);
  const token = await mint({ app, op: "deploy", sha256: sha256(body) });
  return call(rx.api, `/v1/apps/${app}/deploy`, { token, body, ...(onEvent ? { onEvent } : {}) });
}

import { open } from "../api-client/call.js";
import type { Op } from "../receiver/protocol.js";
import { cliClient } from "./cli-client.js";
import type { CommandRun } from "./command-run.js";

// GET of one of the app's read-only resources ("" for its status), as JSON, with the
// retries and refusal messages every operation has.
export async function readJson<T>(
  { settings, out, signer, signal }: CommandRun,
  path: string,
  op: Op,
): Promise<{ json: T; text: string }> {
  const endpoint = new URL(`${settings.url}/v1/apps/${encodeURIComponent(settings.app)}${path}`);
  const response = await open(
    endpoint,
    { ...settings, op },
    cliClient(settings, out, signer),
    signal,
  );
  let text = "";
  response.setEncoding("utf8");
  for await (const chunk of response) text += String(chunk);
  try {
    return { json: JSON.parse(text) as T, text };
  } catch {
    throw new Error(`the receiver's answer to GET ${endpoint} is not JSON: ${text.slice(0, 200)}`);
  }
}

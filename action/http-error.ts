import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { ErrorBody } from "../receiver/protocol.js";

const MAX_BODY_CHARS = 2000;

// The receiver explains each refusal as {"error":{"code","message"}}; a proxy or load
// balancer in front of it answers in HTML or plain text, shown as it came.
export async function httpError(response: IncomingMessage): Promise<Error> {
  const status = response.statusCode ?? 0;
  let body = "";
  response.setEncoding("utf8");
  for await (const chunk of response) {
    body += String(chunk);
    if (body.length > MAX_BODY_CHARS) break;
  }
  let reason = body.trim().slice(0, MAX_BODY_CHARS) || "(no message)";
  try {
    const parsed = JSON.parse(body) as Partial<ErrorBody>;
    if (typeof parsed.error?.message === "string") reason = parsed.error.message;
  } catch {
    // Not JSON: keep the raw text.
  }
  const location = response.headers.location;
  if (location) reason += ` (redirects to ${location} are not followed: point url at the receiver)`;
  const head = [status, STATUS_CODES[status]].filter(Boolean).join(" ");
  return new Error(`receiver answered ${head}: ${reason}`);
}

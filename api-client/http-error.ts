import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { ErrorBody } from "../receiver/protocol.js";

const MAX_BODY_CHARS = 2000;

/** A refusal answered before any stream: the HTTP status and, from the receiver, its code. */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    message: string,
    readonly status: number,
    /** The receiver's stable code ("ERR_TOKEN_INVALID"); absent from a proxy's answer. */
    readonly code: string | undefined,
    /** The receiver's message, or the text a proxy answered. */
    readonly reason: string,
  ) {
    super(message);
  }
}

// The receiver explains each refusal as {"error":{"code","message"}}; a proxy or load
// balancer in front of it answers in HTML or plain text, shown as it came.
export async function httpError(response: IncomingMessage): Promise<HttpError> {
  const status = response.statusCode ?? 0;
  let body = "";
  response.setEncoding("utf8");
  for await (const chunk of response) {
    body += String(chunk);
    if (body.length > MAX_BODY_CHARS) break;
  }
  let reason = body.trim().slice(0, MAX_BODY_CHARS) || "(no message)";
  let code: string | undefined;
  try {
    const parsed = JSON.parse(body) as Partial<ErrorBody>;
    if (typeof parsed.error?.message === "string") reason = parsed.error.message;
    if (typeof parsed.error?.code === "string") code = parsed.error.code;
  } catch {
    // Not JSON: keep the raw text.
  }
  const location = response.headers.location;
  if (location) reason += ` (redirects to ${location} are not followed: point url at the receiver)`;
  // "401 ERR_BAD_SIGNATURE": the README's Troubleshooting table is keyed by the code.
  const head = [status, code ?? STATUS_CODES[status]].filter(Boolean).join(" ");
  return new HttpError(`receiver answered ${head}: ${reason}`, status, code, reason);
}

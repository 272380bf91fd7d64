import type { OutgoingHttpHeaders, ServerResponse } from "node:http";

export interface RefuseOptions {
  /** Seconds for Retry-After: the client may try again, the refusal is temporary. */
  retryAfter?: number;
  /** Close the connection after the answer (the gate is shutting down). */
  close?: boolean;
}

// Every answer the gate gives by itself (503 on hold, 502, shutdown) looks the same:
// plain text that names the app and the reason, so a client or a log reader can tell
// the gate's refusal from the app's own error pages.
export function refuse(
  res: ServerResponse,
  status: number,
  message: string,
  options: RefuseOptions = {},
): void {
  if (res.destroyed || res.writableEnded) return;
  if (res.headersSent) {
    res.destroy(); // half an answer went out: only a cut tells the client it is incomplete
    return;
  }
  const body = `${message}\n`;
  const headers: OutgoingHttpHeaders = {
    "content-type": "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  };
  if (options.retryAfter !== undefined) headers["retry-after"] = String(options.retryAfter);
  // An unread request body would have to be read and thrown away to keep the connection.
  if (options.close || !res.req.complete) headers.connection = "close";
  res.writeHead(status, headers).end(body);
}

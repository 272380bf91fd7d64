import { createHash } from "node:crypto";
import type { ResultEvent, StreamEvent } from "../../receiver/protocol.js";

export interface CallResult {
  status: number;
  headers: Headers;
  /** The JSON body of a non-stream answer. */
  json?: unknown;
  events: StreamEvent[];
  result?: ResultEvent;
}

export interface CallOptions {
  method?: string;
  token?: string;
  body?: Buffer;
  sha256?: string;
  headers?: Record<string, string>;
  /** Called with each streamed event as it arrives. */
  onEvent?: (event: StreamEvent) => void;
}

export const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

// One API call, reading an NDJSON answer line by line as it arrives.
export async function call(api: string, path: string, o: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.body) headers["content-type"] ??= "application/octet-stream";
  if (o.sha256 ?? o.body) headers["x-hotswap-sha256"] ??= o.sha256 ?? sha256(o.body!);
  const response = await fetch(api + path, {
    method: o.method ?? (o.body ? "POST" : "GET"),
    headers,
    body: o.body,
  });
  const out: CallResult = { status: response.status, headers: response.headers, events: [] };
  if (!response.headers.get("content-type")?.includes("ndjson")) {
    const text = await response.text();
    try {
      out.json = JSON.parse(text);
    } catch {
      out.json = text;
    }
    return out;
  }
  const decoder = new TextDecoder();
  let partial = "";
  for await (const chunk of response.body!) {
    const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
    partial = lines.pop()!;
    for (const line of lines.filter(Boolean)) {
      const event = JSON.parse(line) as StreamEvent;
      out.events.push(event);
      if (event.type === "result") out.result = event;
      o.onEvent?.(event);
    }
  }
  return out;
}

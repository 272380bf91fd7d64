import { hopByHop, type HeaderMap } from "./hop-by-hop.js";

// The client must get the server's answer as it was sent, minus the headers that only
// described the gate-to-server connection; node:http frames the client's connection
// itself (chunked or Content-Length, keep-alive or close).
export function responseHeaders(headers: Record<string, string | string[] | undefined>): HeaderMap {
  const skip = hopByHop(headers.connection);
  const out: HeaderMap = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !skip.has(name)) out[name] = value;
  }
  return out;
}

import type { IncomingMessage } from "node:http";
import { hopByHop, type HeaderMap } from "./hop-by-hop.js";

/** Whether a peer is a proxy whose X-Forwarded-* headers are believed (config trustProxy). */
export type TrustProxy = (address: string | undefined) => boolean;

export const trustNobody: TrustProxy = () => false;

// The server must see the client's request as it was sent (Host included), minus this
// hop's own headers, plus who really asked: without X-Forwarded-* every request would
// seem to come from the gate's loopback address. X-Forwarded-For is appended to; -Proto
// and -Host are the gate's own word unless the peer is a trusted proxy (which knows
// whether the client spoke TLS to it, and which host it asked for).
export function requestHeaders(req: IncomingMessage, trusted: TrustProxy): HeaderMap {
  const skip = hopByHop(req.headers.connection);
  const headers: HeaderMap = {};
  for (const name in req.headers) {
    const value = req.headers[name];
    // node:http has already answered "Expect: 100-continue"; undici refuses to send it.
    if (value === undefined || skip.has(name) || name === "expect") continue;
    headers[name] = value;
  }
  const client = req.socket.remoteAddress;
  const prior = req.headers["x-forwarded-for"];
  if (client !== undefined) headers["x-forwarded-for"] = prior ? `${prior}, ${client}` : client;
  const proxied = trusted(client);
  const proto = req.headers["x-forwarded-proto"];
  headers["x-forwarded-proto"] = proxied && typeof proto === "string" ? proto : "http";
  const host = req.headers["x-forwarded-host"];
  if (proxied && typeof host === "string") headers["x-forwarded-host"] = host;
  else if (req.headers.host !== undefined) headers["x-forwarded-host"] = req.headers.host;
  else delete headers["x-forwarded-host"];
  return headers;
}

import type { IncomingMessage } from "node:http";
import { hopByHop, type HeaderMap } from "./hop-by-hop.js";

// The server must see the client's request as it was sent (Host included), minus this
// hop's own headers, plus who really asked: without X-Forwarded-* every request would
// seem to come from the gate's loopback address. The gate is the public edge, so
// X-Forwarded-Proto and -Host are set, not trusted from the client.
export function requestHeaders(req: IncomingMessage): HeaderMap {
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
  headers["x-forwarded-proto"] = "http";
  if (req.headers.host !== undefined) headers["x-forwarded-host"] = req.headers.host;
  return headers;
}

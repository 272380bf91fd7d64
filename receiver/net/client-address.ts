import type { IncomingMessage } from "node:http";

/** Whether a peer is a proxy whose X-Forwarded-For is believed (config trustProxy). */
export type IsTrusted = (address: string | undefined) => boolean;

// Who is really asking, for rate limits and logs. From an untrusted peer, the socket
// address: a client cannot pick its own by writing X-Forwarded-For. From a trusted proxy,
// the right-most X-Forwarded-For entry that is not itself a trusted proxy (entries to its
// left were written by the client and prove nothing). Behind the TLS proxy the README
// recommends, this keeps one client's bad tokens from locking every client out.
export function clientAddress(req: IncomingMessage, trusted: IsTrusted): string {
  const peer = req.socket.remoteAddress ?? "unknown";
  if (!trusted(peer)) return peer;
  const header = req.headers["x-forwarded-for"];
  if (header === undefined) return peer;
  const hops = (Array.isArray(header) ? header.join(",") : header)
    .split(",")
    .map((hop) => hop.trim())
    .filter((hop) => hop !== "");
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!trusted(hops[i])) return hops[i]!;
  }
  return hops[0] ?? peer; // every hop is a trusted proxy: the first one asked
}

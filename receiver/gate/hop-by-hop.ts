// Header values as node:http and undici both accept them.
export type HeaderMap = Record<string, string | string[]>;

const FIXED: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
]);

/** End-to-end headers no Connection header may remove: without Host the app would see
 * the gate's loopback address as the site asked for. */
const KEPT: ReadonlySet<string> = new Set(["host"]);

// Some headers describe one connection, not the message (RFC 9110 §7.6.1), so a proxy
// must drop them, along with any header the sender named in its own Connection header.
// The common case (no names beyond keep-alive/close) costs no allocation.
export function hopByHop(connection: string | string[] | undefined): ReadonlySet<string> {
  if (connection === undefined) return FIXED;
  const value = Array.isArray(connection) ? connection.join(",") : connection;
  let names: Set<string> | undefined;
  for (const token of value.toLowerCase().split(",")) {
    const name = token.trim();
    if (name === "" || name === "close" || FIXED.has(name) || KEPT.has(name)) continue;
    names ??= new Set(FIXED);
    names.add(name);
  }
  return names ?? FIXED;
}

import type { IncomingMessage } from "node:http";

// The request line's target as the server must get it: origin-form ("/path?q").
// An absolute-form target ("http://host/path", RFC 9112 §3.2.2) is accepted as a
// server must, and its authority replaces Host. Answers why the target is refused, if
// it is.
export function requestTarget(req: IncomingMessage): string | undefined {
  const url = req.url ?? "";
  if (url.startsWith("/")) return undefined;
  if (!/^https?:\/\//i.test(url)) return "needs a path starting with /";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "needs a valid absolute URL or a path starting with /";
  }
  if (parsed.username || parsed.password) return "refuses credentials in the request target";
  req.url = `${parsed.pathname}${parsed.search}`;
  req.headers.host = parsed.host;
  return undefined;
}

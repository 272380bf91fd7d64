export interface BasicCredentials {
  name: string;
  password: string;
}

// `Authorization: Basic base64(name:password)` (RFC 7617) as wwHttp's
// cUsername/cPassword, curl -u and browsers send it; UTF-8, the password may
// hold colons. Undefined when the header is absent or not Basic.
export function basicCredentials(header: string | undefined): BasicCredentials | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header ?? "");
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 1) return undefined;
  return { name: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

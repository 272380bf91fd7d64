// The one place the legacy links' WWW-Authenticate header is built: a realm per
// app, so a browser or WinINet keeps one password per app.
export function basicChallenge(app: string): string {
  return `Basic realm="Hotswap ${app}", charset="UTF-8"`;
}

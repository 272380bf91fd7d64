/** What a 401 asks the client for: a bearer token (the API) or a Basic user (legacy links). */
export type Challenge = { scheme: "Bearer"; error: string } | { scheme: "Basic"; app: string };

// The one place a WWW-Authenticate header is built. The API's names the code of the
// refusal (RFC 6750 error_description); the legacy links' has a realm per app, so a
// browser or WinINet keeps one password per app.
export function wwwAuthenticate(challenge: Challenge): string {
  return challenge.scheme === "Bearer"
    ? `Bearer realm="hotswap", error="invalid_token", error_description="${challenge.error}"`
    : `Basic realm="Hotswap ${challenge.app}", charset="UTF-8"`;
}

// An error answered before the stream starts: one status, one stable code, one
// message that names the problem and the fix (`{"error":{"code","message"}}`).
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 408 | 409 | 411 | 413 | 415 | 429 | 500 | 503 | 507,
    readonly code: string,
    message: string,
    /** Seconds, sent as Retry-After (429, 503). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** The 404 for an app name the config does not have, the same from every entry point. */
export function unknownApp(name: string): HttpError {
  const shown = JSON.stringify(name.slice(0, 64));
  return new HttpError(
    404,
    "ERR_UNKNOWN_APP",
    `no app named ${shown} is configured on this receiver`,
  );
}

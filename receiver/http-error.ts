/** Every status the receiver answers an error with before a stream starts. */
export const ERROR_STATUSES = [
  400, 401, 403, 404, 405, 408, 409, 411, 413, 415, 422, 429, 500, 503, 507,
] as const;
export type ErrorStatus = (typeof ERROR_STATUSES)[number];

export interface HttpErrorOptions {
  /** Headers the answer carries, such as Retry-After (429, 503) or Allow (405). */
  headers?: Record<string, string>;
  cause?: unknown;
}

// An error answered before the stream starts: one status, one stable code, one
// message that names the problem and the fix. The API, the admin page and the
// legacy links all throw it; http/error-response.ts renders it as JSON
// (`{"error":{"code","message"}}`) or as the page of the surface that asked.
export class HttpError extends Error {
  readonly headers: Record<string, string>;

  constructor(
    readonly status: ErrorStatus,
    readonly code: string,
    message: string,
    options: HttpErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "HttpError";
    this.headers = options.headers ?? {};
  }
}

/** A 429 from a failure limiter: come back in `seconds`. */
export function tooManyFailures(code: string, message: string, seconds: number): HttpError {
  return new HttpError(429, code, message, { headers: { "retry-after": String(seconds) } });
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

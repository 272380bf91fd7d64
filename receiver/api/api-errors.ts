import type { ErrorSurface } from "../http/error-response.js";
import type { Log } from "../log.js";

// How the API refuses (docs/design.md §4): always JSON, and a 401 says how to
// authenticate, naming the code of the refusal.
export function apiErrors(log: Log): ErrorSurface {
  return { log, challenge: (error) => ({ scheme: "Bearer", error: error.code }) };
}

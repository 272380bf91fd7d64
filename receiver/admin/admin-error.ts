import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

// A refusal of the admin page with a stable code beside its status, like the
// API's errors: callers and tests switch on the code, people read the message.
export class AdminError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(status, { message });
    this.name = "AdminError";
  }
}

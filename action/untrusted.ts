import { randomUUID } from "node:crypto";
import * as core from "@actions/core";

/** Ends a stop-commands block; random per run, so the receiver cannot guess it. */
const runToken = randomUUID();

// The receiver's words go to the log verbatim, but a line in them such as "::add-mask::"
// or "::error::" must stay text: the runner ignores workflow commands between
// ::stop-commands::TOKEN and ::TOKEN::. The runner hides both fence lines.
export function untrusted(
  text: string,
  out: { info(message: string): void } = core,
  token: string = runToken,
): void {
  out.info(`::stop-commands::${token}`);
  out.info(text);
  out.info(`::${token}::`);
}

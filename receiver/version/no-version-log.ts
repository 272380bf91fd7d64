import type { Emit } from "../swap/steps.js";

// A Windows exe whose version cannot be read (no version resource, a truncated
// upload, a PE this reader cannot follow) is still deployed; the swap's stream
// says why the echo goes without a version instead of leaving it out in silence.
export function noVersionLog(emit: Emit, file: string): (why: string) => void {
  return (why) =>
    emit({ type: "log", level: "warn", message: `${file} gives no version to echo: ${why}` });
}

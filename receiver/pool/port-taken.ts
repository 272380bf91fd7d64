import type { LogLine } from "./app-log.js";

/** Fresh ports a server is started on after its first was taken, before the deploy fails. */
export const PORT_RETRIES = 3;

// How servers say their port is in use: Node (EADDRINUSE), C and Python's errno text
// (Linux, the BSDs, macOS: "Address already in use"), Go ("bind: address already in
// use"), and Windows (WSAEADDRINUSE, 10048: "Only one usage of each socket address").
const IN_USE =
  /EADDRINUSE|address already in use|only one usage of each socket address|WSAEADDRINUSE/i;

/** Whether a server's output after line `since` says it could not listen: its port was taken. */
export function portTaken(lines: readonly LogLine[], since: number): boolean {
  for (const { seq, line } of lines) if (seq > since && IN_USE.test(line)) return true;
  return false;
}

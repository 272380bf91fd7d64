import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** What the pid file remembers of one live server process. */
export interface PidRecord {
  pid: number;
  exe: string;
  /** ISO 8601 */
  startedAt: string;
  instance: number;
  port: number;
}

// A receiver killed with SIGKILL cannot clean up, so the next one must learn from
// disk which servers it left behind. Written whole to a temp file and renamed, so a
// crash mid-write leaves the old list, never half a list. Synchronous so writes
// cannot overtake each other and the exit handler can use it.
export function writePidFile(path: string, records: PidRecord[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(records, null, 2) + "\n");
  renameSync(tmp, path);
}

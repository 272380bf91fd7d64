import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** What the pid file remembers of one live server process. */
export interface PidRecord {
  pid: number;
  exe: string;
  /** ISO 8601 */
  startedAt: string;
  instance: number;
  port: number;
  /** It leads its own process group (a hook): reaping kills the group (POSIX). */
  group?: boolean;
}

interface Writer {
  /** The list to write next, when one came in while a write ran. */
  latest?: PidRecord[];
  done: Promise<void>;
}
const writers = new Map<string, Writer>();

// A receiver killed with SIGKILL cannot clean up, so the next one must learn from
// disk which servers it left behind. Written whole to a temp file and renamed, so a
// crash mid-write leaves the old list, never half a list. Off the event loop and one
// write at a time per file, so writes cannot overtake each other: a list asked for
// while a write runs replaces any still waiting (the latest wins), and every caller
// meanwhile is answered when that latest list is written.
export function writePidFile(path: string, records: PidRecord[]): Promise<void> {
  const busy = writers.get(path);
  if (busy) {
    busy.latest = records;
    return busy.done;
  }
  const writer: Writer = { latest: records, done: Promise.resolve() };
  writer.done = (async () => {
    try {
      let failure: unknown;
      for (let next = writer.latest; next; next = writer.latest) {
        writer.latest = undefined;
        // Only the last write's outcome counts: a newer list supersedes a failed one.
        failure = await writeWhole(path, next).then(
          () => undefined,
          (error: unknown) => error,
        );
      }
      if (failure) throw failure;
    } finally {
      writers.delete(path);
    }
  })();
  writers.set(path, writer);
  return writer.done;
}

/** Pid files with a write still queued or running: the exit handler finishes them. */
export function pidFilesBeingWritten(): string[] {
  return [...writers.keys()];
}

// For the process's exit handler, where nothing asynchronous runs any more. Drops
// any list still waiting for the async writer: this one is newer.
export function writePidFileSync(path: string, records: PidRecord[]): void {
  const writer = writers.get(path);
  if (writer) writer.latest = undefined;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.exit.tmp`;
  writeFileSync(tmp, format(records));
  renameSync(tmp, path);
}

async function writeWhole(path: string, records: PidRecord[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, format(records));
  await rename(tmp, path);
}

const format = (records: PidRecord[]) => JSON.stringify(records, null, 2) + "\n";

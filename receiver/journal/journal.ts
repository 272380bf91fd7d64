import { mkdirSync, writeFileSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { AppendFile } from "../append-file.js";
import { HttpError } from "../http-error.js";
import { createLog, type Log } from "../log.js";
import type { JournalEntry, StreamEvent } from "../protocol.js";
import { readJournalLine } from "./journal-line.js";

const TAIL_BYTES = 1024 * 1024;

// The deploy history: one JSON line per deploy, swap, rollback or recovery, in
// order, each append resolving once it is on disk so a caller that waits knows a
// crash cannot lose it. Each deploy's full event stream is kept beside it in
// logs/<deployId>.ndjson. Nothing here blocks the event loop.
export class Journal {
  private readonly file: AppendFile;
  /** The event logs of deploys still running, each written in order. */
  private readonly deployLogs = new Map<string, AppendFile>();
  readonly logs: string;
  /** Damaged lines already reported. */
  private readonly damaged = new Set<string>();

  constructor(
    readonly dir: string,
    private readonly receiverLog: Log = createLog(),
  ) {
    mkdirSync(dir, { recursive: true });
    this.logs = join(dir, "logs");
    mkdirSync(this.logs, { recursive: true });
    const path = join(dir, "journal.jsonl");
    writeFileSync(path, "", { flag: "a" }); // recent() reads it before the first append
    this.file = new AppendFile(path);
  }

  /**
   * Journal one entry; resolves once it is on disk. A failure is logged here, so
   * a caller that does not wait for it leaves no unhandled rejection behind.
   */
  append(entry: JournalEntry): Promise<void> {
    const written = this.file.append(JSON.stringify(entry) + "\n");
    written.catch((error: Error) =>
      this.receiverLog(
        "error",
        `could not journal ${entry.op} ${entry.deployId}: ${error.message}`,
      ),
    );
    return written;
  }

  /** Append one streamed event to a deploy's log, after the ones before it (not flushed). */
  log(deployId: string, event: StreamEvent): Promise<void> {
    if (event.type === "heartbeat") return Promise.resolve();
    let file = this.deployLogs.get(deployId);
    if (!file) {
      file = new AppendFile(join(this.logs, `${deployId}.ndjson`), false);
      this.deployLogs.set(deployId, file);
    }
    const written = file.append(JSON.stringify({ at: new Date().toISOString(), ...event }) + "\n");
    // The result is a deploy's last event: its file is closed and forgotten.
    if (event.type === "result") {
      const done = file;
      void done.close().finally(() => {
        if (this.deployLogs.get(deployId) === done && !done.busy) this.deployLogs.delete(deployId);
      });
    }
    return written;
  }

  /**
   * A deploy's logged events, with every event logged so far written; undefined
   * when it has no log. A log that exists but cannot be read throws, naming it.
   */
  async readLog(deployId: string): Promise<string | undefined> {
    if (!/^[A-Za-z0-9-]+$/.test(deployId)) return undefined;
    await this.deployLogs.get(deployId)?.idle();
    const file = join(this.logs, `${deployId}.ndjson`);
    try {
      return await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new Error(`cannot read the event log ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /**
   * The newest entries (of one app, if named), newest first; reads only the file's
   * tail. No journal file means no entries; one that cannot be read throws a 500
   * naming it, so "cannot tell" never reads as "nothing happened". A line that is
   * not an entry is skipped and reported once.
   */
  async recent(app?: string, limit = 20): Promise<JournalEntry[]> {
    const file = join(this.dir, "journal.jsonl");
    let tail: string;
    try {
      tail = await readTail(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new HttpError(
        500,
        "ERR_JOURNAL_READ",
        `cannot read the journal ${file}: ${(error as Error).message}`,
      );
    }
    // What follows the last newline is an append being written, or torn by a crash
    // (the next append starts afresh): not a line yet.
    const lines = tail.split("\n").slice(0, -1);
    const entries: JournalEntry[] = [];
    for (let i = lines.length - 1; i >= 0 && entries.length < limit; i--) {
      const line = readJournalLine(lines[i]!);
      if (line.kind === "entry") {
        if (!app || line.entry.app === app) entries.push(line.entry);
      } else if (line.kind === "damaged") this.reportDamaged(file, lines[i]!, line.reason);
    }
    return entries;
  }

  // Once per distinct line, or every status call would repeat it.
  private reportDamaged(file: string, line: string, reason: string): void {
    const key = `${line.length}:${line.slice(0, 200)}`;
    if (this.damaged.has(key)) return;
    if (this.damaged.size >= 1000) this.damaged.clear();
    this.damaged.add(key);
    this.receiverLog(
      "warn",
      `${file}: skipped a line that is ${reason}: ${JSON.stringify(line.slice(0, 200))}`,
    );
  }

  /** Writes what is pending, then closes the files. */
  async close(): Promise<void> {
    await Promise.all([this.file, ...this.deployLogs.values()].map((file) => file.close()));
  }
}

// The last TAIL_BYTES of the file, from the first whole line in them.
async function readTail(file: string): Promise<string> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const text = buffer.toString("utf8");
    return start > 0 ? text.slice(text.indexOf("\n") + 1) : text;
  } finally {
    await handle.close();
  }
}

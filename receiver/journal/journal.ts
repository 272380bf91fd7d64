import { mkdirSync, writeFileSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { AppendFile } from "../append-file.js";
import { createLog, type Log } from "../log.js";
import type { JournalEntry, StreamEvent } from "../protocol.js";

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

  /** The newest entries (of one app, if named), newest first; reads only the file's tail. */
  async recent(app?: string, limit = 20): Promise<JournalEntry[]> {
    const handle = await open(join(this.dir, "journal.jsonl"), "r");
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - TAIL_BYTES);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      const lines = buffer
        .toString("utf8")
        .split("\n")
        .slice(start > 0 ? 1 : 0);
      const entries: JournalEntry[] = [];
      for (let i = lines.length - 1; i >= 0 && entries.length < limit; i--) {
        try {
          const entry = JSON.parse(lines[i]!) as JournalEntry;
          if (!app || entry.app === app) entries.push(entry);
        } catch {
          // blank or torn line
        }
      }
      return entries;
    } finally {
      await handle.close();
    }
  }

  /** Writes what is pending, then closes the files. */
  async close(): Promise<void> {
    await Promise.all([this.file, ...this.deployLogs.values()].map((file) => file.close()));
  }
}

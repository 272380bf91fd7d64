import {
  appendFileSync,
  closeSync,
  fdatasyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import type { JournalEntry, StreamEvent } from "../protocol.js";

const TAIL_BYTES = 1024 * 1024;

// The deploy history: one JSON line per deploy, swap, rollback or recovery, each
// flushed to disk before the call returns so a crash cannot lose what happened.
// Each deploy's full event stream is kept beside it in logs/<deployId>.ndjson.
export class Journal {
  private readonly fd: number;
  readonly logs: string;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.logs = join(dir, "logs");
    mkdirSync(this.logs, { recursive: true });
    this.fd = openSync(join(dir, "journal.jsonl"), "a");
  }

  append(entry: JournalEntry): void {
    writeSync(this.fd, JSON.stringify(entry) + "\n");
    fdatasyncSync(this.fd);
  }

  /** Append one streamed event to a deploy's log. */
  log(deployId: string, event: StreamEvent): void {
    if (event.type === "heartbeat") return;
    appendFileSync(
      join(this.logs, `${deployId}.ndjson`),
      JSON.stringify({ at: new Date().toISOString(), ...event }) + "\n",
    );
  }

  readLog(deployId: string): string | undefined {
    if (!/^[A-Za-z0-9-]+$/.test(deployId)) return undefined;
    try {
      return readFileSync(join(this.logs, `${deployId}.ndjson`), "utf8");
    } catch {
      return undefined;
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

  close(): void {
    closeSync(this.fd);
  }
}

import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { AppendFile } from "../append-file.js";
import { createLog, type Log } from "../log.js";

const PRUNE_EVERY = 1024;

// Remembers every token id (jti) until its token can no longer pass, on disk,
// so a token cannot be used twice — not even across a receiver restart. Spent
// entries are dropped as they expire, so the store stays the size of the last
// few minutes' traffic. Writes never block the event loop: concurrent adds share
// one write and one datasync, and each add resolves only once its line is on disk.
export class ReplayStore {
  private seen = new Map<string, number>();
  private readonly file: AppendFile;
  private adds = 0;

  // Loading and the first compaction are synchronous: they run once, at startup.
  constructor(
    path: string,
    private readonly log: Log = createLog(),
  ) {
    mkdirSync(dirname(path), { recursive: true });
    const now = Date.now() / 1000;
    try {
      for (const line of readFileSync(path, "utf8").split("\n")) {
        if (!line) continue;
        try {
          const { jti, exp } = JSON.parse(line) as { jti: string; exp: number };
          if (exp > now) this.seen.set(jti, exp);
        } catch {
          // A torn last line from a crash: the entries before it still count.
        }
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, this.liveLines(), { flush: true });
    renameSync(tmp, path);
    this.file = new AppendFile(path);
  }

  /** How many datasyncs the store has made (group commit makes it fewer than the adds). */
  get syncs(): number {
    return this.file.syncs;
  }

  /** Whether the jti was used before (and could still pass), or is being recorded now. */
  has(jti: string): boolean {
    const exp = this.seen.get(jti);
    return exp !== undefined && exp > Date.now() / 1000;
  }

  /**
   * Record a jti as used until `until` (seconds). It counts as used at once, so a
   * second request with it is refused even before this one is on disk; resolves
   * once it is on disk. When the write fails it rejects and the jti is forgotten:
   * the token was not accepted.
   */
  add(jti: string, until: number): Promise<void> {
    this.seen.set(jti, until);
    const written = this.file.append(JSON.stringify({ jti, exp: until }) + "\n").catch((error) => {
      if (this.seen.get(jti) === until) this.seen.delete(jti);
      throw error;
    });
    if (++this.adds % PRUNE_EVERY === 0) {
      // In order with the appends: what is on disk stays on disk; adds meanwhile wait their turn.
      this.file
        .replace(() => this.liveLines())
        .catch((error: Error) =>
          this.log("warn", `could not compact ${this.file.path}: ${error.message}`),
        );
    }
    return written;
  }

  /** Flushes what is pending, then closes the file. */
  close(): Promise<void> {
    return this.file.close();
  }

  // Every entry that can still pass, the ones not yet on disk included: a
  // compaction must never drop what an add already answered for.
  private liveLines(): string {
    const now = Date.now() / 1000;
    this.seen = new Map([...this.seen].filter(([, exp]) => exp > now));
    return [...this.seen].map(([jti, exp]) => JSON.stringify({ jti, exp }) + "\n").join("");
  }
}

import {
  closeSync,
  fdatasyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";

const PRUNE_EVERY = 1024;

// Remembers every token id (jti) until its token can no longer pass, on disk,
// so a token cannot be used twice — not even across a receiver restart. Spent
// entries are dropped as they expire, so the store stays the size of the last
// few minutes' traffic.
export class ReplayStore {
  private seen = new Map<string, number>();
  private fd: number;
  private adds = 0;

  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    const now = Date.now() / 1000;
    try {
      for (const line of readFileSync(file, "utf8").split("\n")) {
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
    this.fd = this.compact();
  }

  /** Whether the jti was used before (and could still pass). */
  has(jti: string): boolean {
    const exp = this.seen.get(jti);
    return exp !== undefined && exp > Date.now() / 1000;
  }

  /** Record a jti as used until `until` (seconds); durable before it returns. */
  add(jti: string, until: number): void {
    this.seen.set(jti, until);
    writeSync(this.fd, JSON.stringify({ jti, exp: until }) + "\n");
    fdatasyncSync(this.fd);
    if (++this.adds % PRUNE_EVERY === 0) {
      closeSync(this.fd);
      this.fd = this.compact();
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  // Keeps only live entries, written whole and flushed before the old file goes.
  private compact(): number {
    const now = Date.now() / 1000;
    this.seen = new Map([...this.seen].filter(([, exp]) => exp > now));
    const tmp = `${this.file}.tmp`;
    const lines = [...this.seen].map(([jti, exp]) => JSON.stringify({ jti, exp }) + "\n");
    writeFileSync(tmp, lines.join(""), { flush: true });
    renameSync(tmp, this.file);
    return openSync(this.file, "a");
  }
}

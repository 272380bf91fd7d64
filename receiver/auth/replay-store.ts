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

// Remembers every token id (jti) until its token expires, on disk, so a token
// cannot be used twice — not even across a receiver restart.
export class ReplayStore {
  private readonly seen = new Map<string, number>();
  private fd: number;

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
    // Compact: keep only live entries, written whole before the old file goes.
    const tmp = `${file}.tmp`;
    writeFileSync(
      tmp,
      [...this.seen].map(([jti, exp]) => JSON.stringify({ jti, exp }) + "\n").join(""),
      { flush: true },
    );
    renameSync(tmp, file);
    this.fd = openSync(file, "a");
  }

  /** Whether the jti was used before. */
  has(jti: string): boolean {
    const exp = this.seen.get(jti);
    return exp !== undefined && exp > Date.now() / 1000;
  }

  /** Record a jti as used; durable before it returns. */
  add(jti: string, exp: number): void {
    this.seen.set(jti, exp);
    writeSync(this.fd, JSON.stringify({ jti, exp }) + "\n");
    fdatasyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

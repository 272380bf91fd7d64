import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { StepName } from "../protocol.js";

export interface SwapRecord {
  deployId: string;
  op: "deploy" | "swap" | "rollback";
  /** The step under way: every step of either strategy but those outside the swap. */
  phase: Exclude<StepName, "upload" | "settle">;
  /** The release that holds the old exeFile. */
  kept?: string;
  oldSha256?: string;
  newSha256: string;
  startedAt: string;
}

// The write-ahead record of a swap in progress: written before each risky step,
// removed when the swap ends. A receiver that finds one at start knows it died
// mid-swap and which files to trust (see recover.ts).
export class SwapRecordFile {
  constructor(readonly file: string) {}

  read(): SwapRecord | undefined {
    try {
      return JSON.parse(readFileSync(this.file, "utf8")) as SwapRecord;
    } catch {
      return undefined;
    }
  }

  write(record: SwapRecord): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(record), { flush: true });
    renameSync(tmp, this.file);
  }

  clear(): void {
    rmSync(this.file, { force: true });
  }
}

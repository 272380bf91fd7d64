import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import type { StepName } from "../protocol.js";
import * as z from "../zod.js";

const SHA256 = z.string().check(z.regex(/^[0-9a-f]{64}$/));
const PHASES = [
  "hold",
  "unload",
  "swap",
  "reload",
  "release",
  "rollback",
  "start",
  "switch",
  "canary",
  "watch",
  "drain",
] as const satisfies readonly Exclude<StepName, "upload" | "settle">[];

const swapRecordSchema = z.object({
  deployId: z.string().check(z.minLength(1)),
  op: z.enum(["deploy", "swap", "rollback", "restart"]),
  /** The step under way: every step of either strategy but those outside the swap. */
  phase: z.enum(PHASES),
  /** The release that holds the old exeFile. */
  kept: z.optional(z.string().check(z.minLength(1))),
  oldSha256: z.optional(SHA256),
  newSha256: SHA256,
  startedAt: z.string(),
});

export type SwapRecord = z.infer<typeof swapRecordSchema>;

/** What is on disk: no record, a whole one, or one that cannot be trusted (and why). */
export type SwapRecordRead =
  { state: "none" } | { state: "found"; record: SwapRecord } | { state: "damaged"; reason: string };

// The write-ahead record of a swap in progress: written before each risky step,
// removed when the swap ends. A receiver that finds one at start knows it died
// mid-swap and which files to trust (see recover.ts). A record it cannot read
// still says a swap was under way, so it is "damaged", never "none".
export class SwapRecordFile {
  constructor(readonly file: string) {}

  read(): SwapRecordRead {
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { state: "none" };
      return { state: "damaged", reason: `cannot read ${this.file}: ${(error as Error).message}` };
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return { state: "damaged", reason: `${this.file} is not JSON: ${(error as Error).message}` };
    }
    const parsed = swapRecordSchema.safeParse(value);
    if (!parsed.success)
      return {
        state: "damaged",
        reason: `${this.file} is not a swap record: ${z.prettifyError(parsed.error).replace(/\n\s*/g, "; ")}`,
      };
    return { state: "found", record: parsed.data };
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

  /** Moves a damaged record (file or not) aside for a person to look at; returns where. */
  setAside(): string {
    const aside = `${this.file}.damaged`;
    rmSync(aside, { recursive: true, force: true });
    renameSync(this.file, aside);
    return basename(aside);
  }
}

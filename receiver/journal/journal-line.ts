import type { AnswerCounts, JournalEntry, Judgement, VersionInfo } from "../protocol.js";
import * as z from "../zod.js";

const text = z.optional(z.string());

const versionSchema = z.object({
  sha256: z.string(),
  size: z.number(),
  mtime: z.string(),
  version: text,
  fileVersion: text,
  productVersion: text,
  productName: text,
}) satisfies z.ZodMiniType<VersionInfo>;

const counts = z.object({
  requests: z.number(),
  errors: z.number(),
}) satisfies z.ZodMiniType<AnswerCounts>;

const judgementSchema = z.object({
  step: z.enum(["watch", "canary"]),
  verdict: z.enum(["passed", "failed", "unjudged", "promoted", "aborted"]),
  build: z.string(),
  baselineBuild: text,
  counts,
  baseline: counts,
  share: z.optional(z.number()),
  ms: z.number(),
  forMs: z.number(),
  maxErrorRate: z.number(),
  minRequests: z.number(),
  by: text,
}) satisfies z.ZodMiniType<Judgement>;

const journalEntrySchema = z.object({
  deployId: z.string().check(z.minLength(1)),
  app: z.string().check(z.minLength(1)),
  op: z.enum(["deploy", "upload", "swap", "rollback", "restart", "recover", "hold", "release"]),
  outcome: z.enum(["started", "ok", "failed", "rolled-back", "interrupted"]),
  at: z.string(),
  who: z.optional(
    z.object({
      repository: text,
      ref: text,
      sha: text,
      run_id: text,
      actor: text,
      keyId: text,
      workflow: text,
      event: text,
      environment: text,
      admin: z.optional(z.boolean()),
      legacy: z.optional(z.boolean()),
      githubDeployment: z.optional(z.number()),
    }),
  ),
  before: z.optional(versionSchema),
  after: z.optional(versionSchema),
  tried: z.optional(versionSchema),
  holdMs: z.optional(z.number()),
  durationMs: z.optional(z.number()),
  error: z.optional(z.object({ code: z.string(), message: z.string() })),
  message: text,
  judged: z.optional(z.array(judgementSchema)),
}) satisfies z.ZodMiniType<JournalEntry>;

/** One line of journal.jsonl: blank, an entry, or not one (and why). */
export type JournalLine =
  { kind: "blank" } | { kind: "entry"; entry: JournalEntry } | { kind: "damaged"; reason: string };

// recover() and the status answer act on what the journal says (which deploy was
// cut short, what its new file was), so a line is an entry only once its shape is
// checked; a line torn by a crash or edited by hand is reported, never trusted.
export function readJournalLine(line: string): JournalLine {
  if (!line.trim()) return { kind: "blank" };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { kind: "damaged", reason: `not JSON (${(error as Error).message})` };
  }
  const parsed = journalEntrySchema.safeParse(value);
  if (!parsed.success)
    return {
      kind: "damaged",
      reason: `not a journal entry (${z.prettifyError(parsed.error).replace(/\n\s*/g, "; ")})`,
    };
  return { kind: "entry", entry: parsed.data };
}

import { formatShare } from "../config/units.js";
import type { AnswerCounts } from "../protocol.js";
import { errorShare } from "./judge.js";

// How a watch's numbers are worded wherever the receiver shows them: the stream's
// messages, the admin page's card and history. (The page's script words its live
// updates the same way: admin/pages/client-watch.ts; keep both alike.)

const many = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** "20 answers, 1 error (5%)"; no share when nothing answered. */
export function countsText(counts: AnswerCounts): string {
  const share = counts.requests ? ` (${formatShare(errorShare(counts))})` : "";
  return `${many(counts.requests, "answer")}, ${many(counts.errors, "error")}${share}`;
}

/** "1 answer", "20 answers". */
export const answers = (n: number) => many(n, "answer");

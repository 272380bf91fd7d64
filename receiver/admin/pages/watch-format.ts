import { formatShare } from "../../config/units.js";
import type { AnswerCounts, Judgement } from "../../protocol.js";
import { errorShare } from "../../watch/judge.js";

// How the page words a watch's numbers, on the watch card and in the history. The
// page's script words a live update the same way (client-watch.ts): keep both alike.

const many = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** "20 answers, 1 error (5%)". */
export function answersText(counts: AnswerCounts): string {
  const share = counts.requests ? ` (${formatShare(errorShare(counts))})` : "";
  return `${many(counts.requests, "answer")}, ${many(counts.errors, "error")}${share}`;
}

/** "12 s of 30 s". */
export function elapsedText(elapsedMs: number, forMs: number): string {
  return `${seconds(elapsedMs)} of ${seconds(forMs)}`;
}

function seconds(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** "watch failed: 20 answers, 20 errors (100%)", "canary promoted by the admin page: …". */
export function judgementText(j: Judgement): string {
  return `${j.step} ${j.verdict}${j.by ? ` by ${j.by}` : ""}: ${answersText(j.counts)}`;
}

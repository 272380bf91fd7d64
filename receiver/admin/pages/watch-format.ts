import type { Judgement } from "../../protocol.js";
import { countsText } from "../../watch/watch-text.js";

// How the page words a watch's time and verdict, on the watch card and in the history
// (its counts: watch/watch-text.ts). The page's script words a live update the same way
// (client-watch.ts): keep both alike.

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
  return `${j.step} ${j.verdict}${j.by ? ` by ${j.by}` : ""}: ${countsText(j.counts)}`;
}

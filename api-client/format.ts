// Numbers a person reads in the log and the job summary, in one style.
import type { AnswerCounts } from "../receiver/protocol.js";

/** "12 ms" below a second, "3.4 s" above. */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

const UNITS = ["KB", "MB", "GB", "TB"];

/**
 * A size as people read it, in decimal units as network speeds are quoted: "512 B",
 * "1.4 KB", "38 KB", "3.1 MB", "2.0 GB"; one decimal below 10 of a unit, whole above.
 */
export function bytes(n: number): string {
  if (n < 1000) return `${Math.round(n)} B`;
  let value = n;
  let unit = "B";
  for (const next of UNITS) {
    if (value < 999.5) break;
    value /= 1000;
    unit = next;
  }
  return `${value < 9.95 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}

/** "1 answer", "1,204 answers": counts read at a glance, in English whatever the runner's locale. */
export function count(n: number, noun: string): string {
  return `${n.toLocaleString("en-US")} ${noun}${n === 1 ? "" : "s"}`;
}

/** A share (0..1) as "0.7%" with `digits` decimals, or "2%" trimmed, as the config writes it. */
export function percent(share: number, digits?: number): string {
  const pct = share * 100;
  return digits === undefined ? `${Math.round(pct * 100) / 100}%` : `${pct.toFixed(digits)}%`;
}

/** Whole seconds as the config writes them ("60", "1.5"), for "24/60 s". */
export function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

/** "412 answers, 3 errors (0.7%)": a watch's counts; the share is of answers, 0% of none. */
export function answers(counts: AnswerCounts, digits: number): string {
  const { requests, errors } = counts;
  return `${count(requests, "answer")}, ${count(errors, "error")} (${percent(errorShare(counts), digits)})`;
}

/** errors / requests, 0 when nothing answered (as the receiver judges it). */
export function errorShare({ requests, errors }: AnswerCounts): number {
  return requests === 0 ? 0 : errors / requests;
}

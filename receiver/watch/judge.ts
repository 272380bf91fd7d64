import type { AnswerCounts, Verdict } from "../protocol.js";

export interface JudgeRules {
  /** The error share the new build may have beyond its baseline's (0..1). */
  maxErrorRate: number;
  /** Answers needed before any verdict: fewer leave the build unjudged. */
  minRequests: number;
}

/** The rules a canary without a watch is judged by: the watch's defaults. */
export const DEFAULT_RULES: JudgeRules = { maxErrorRate: 0.02, minRequests: 20 };

/** The app's rules: its watch's, or the defaults (a canary alone). */
export function watchRules(app: { watch?: JudgeRules }): JudgeRules {
  const { maxErrorRate, minRequests } = app.watch ?? DEFAULT_RULES;
  return { maxErrorRate, minRequests };
}

/** errors / requests, 0 when nothing answered. */
export const errorShare = ({ requests, errors }: AnswerCounts) =>
  requests === 0 ? 0 : errors / requests;

// Guarantee 11's rule, in one place: once `minRequests` answers came back, the new
// build fails if its error share is more than `maxErrorRate` above its baseline's (the
// old servers over the same window, or the gate before the deploy), so an outage both
// versions share is not blamed on the new one. A baseline of fewer than `minRequests`
// answers proves nothing and counts as 0%. Until `final`, only a failure is decided:
// the answer is undefined while the build may still go either way.
export function judge(
  counts: AnswerCounts,
  baseline: AnswerCounts,
  rules: JudgeRules,
  final: boolean,
): Extract<Verdict, "passed" | "failed" | "unjudged"> | undefined {
  if (
    counts.requests >= rules.minRequests &&
    excessShare(counts, baseline, rules) > rules.maxErrorRate
  )
    return "failed";
  if (!final) return undefined;
  return counts.requests >= rules.minRequests ? "passed" : "unjudged";
}

/** How far the new build's error share is above what its baseline proves. */
export function excessShare(counts: AnswerCounts, baseline: AnswerCounts, rules: JudgeRules) {
  const base = baseline.requests >= rules.minRequests ? errorShare(baseline) : 0;
  return errorShare(counts) - base;
}

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

// Guarantee 11's rule, in one place: the new build fails if its error share is more than
// `maxErrorRate` above its baseline's (the old servers over the same window, or the gate
// before the deploy), so an outage both versions share is not blamed on the new one. A
// baseline of fewer than `minRequests` answers proves nothing and counts as 0%. Nothing
// is decided before `minRequests` answers. Before the end (`final` false) only a failure
// is decided, and only on evidence: the share's lower confidence bound (Wilson, 95%) must
// clear the limit, so one unlucky 5xx among the first answers of a build as good as the
// old one does not roll it back, while a build that fails every request is dropped at
// its first `minRequests` answers. At the end the share itself is judged. Undefined while
// the build may still go either way.
export function judge(
  counts: AnswerCounts,
  baseline: AnswerCounts,
  rules: JudgeRules,
  final: boolean,
): Extract<Verdict, "passed" | "failed" | "unjudged"> | undefined {
  if (counts.requests < rules.minRequests) return final ? "unjudged" : undefined;
  const base = baselineShare(baseline, rules);
  const share = final ? errorShare(counts) : wilsonLower(counts);
  if (share - base > rules.maxErrorRate) return "failed";
  return final ? "passed" : undefined;
}

/** What the baseline proves: its error share, or 0 from fewer than minRequests answers. */
const baselineShare = (baseline: AnswerCounts, rules: JudgeRules) =>
  baseline.requests >= rules.minRequests ? errorShare(baseline) : 0;

const Z = 1.96; // 95%

/** The lower end of the Wilson score interval of errors / requests. */
export function wilsonLower({ requests: n, errors }: AnswerCounts): number {
  if (n === 0) return 0;
  const p = errors / n;
  const centre = p + (Z * Z) / (2 * n);
  const spread = Z * Math.sqrt((p * (1 - p)) / n + (Z * Z) / (4 * n * n));
  return Math.max(0, (centre - spread) / (1 + (Z * Z) / n));
}

import type { AppGate } from "../gate/app-gate.js";
import { formatShare } from "../config/units.js";
import type { AnswerCounts, Judgement, WatchStatus } from "../protocol.js";
import type { Emit } from "../swap/steps.js";
import { judge, type JudgeRules } from "./judge.js";
import { answers, countsText } from "./watch-text.js";
import type { WatchControl } from "./watch-control.js";

export interface WatchSpec {
  step: "watch" | "canary";
  forMs: number;
  rules: JudgeRules;
  /** Whether an answer came from the new build's servers. */
  isNew: (origin: string) => boolean;
  /** canary: whether it came from the old servers, whose answers are then the baseline. */
  isOld?: (origin: string) => boolean;
  /** canary: the share of clients sent to the new servers. */
  share?: number;
  /** Which build is judged, and which one its baseline is (metrics, history). */
  build: string;
  baselineBuild?: string;
}

export interface WatchContext {
  gate: AppGate;
  emit: Emit;
  control: WatchControl;
}

/** Live counts go out this often (at least every 5 s, docs/design.md). */
const REPORT_MS = 5_000;

// One `watch` or `canary` step: the gate tells of every answer while it runs, the new
// build's are counted (and, in a canary, the old servers' as its baseline), live
// counts go out at least every 5 s, and the step ends when `forMs` is over, when the
// new build's error share fails it (at once, not at the end: each bad answer counts),
// or when promote or abort end it. The answer says which, with the counts.
export async function watchStep(cx: WatchContext, spec: WatchSpec): Promise<Judgement> {
  const { gate, emit, control } = cx;
  const { step, forMs, rules, share } = spec;
  const counts: AnswerCounts = { requests: 0, errors: 0 };
  const baseline: AnswerCounts = spec.isOld ? { requests: 0, errors: 0 } : { ...control.baseline };
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const status = (): WatchStatus => ({
    deployId: control.deployId,
    step,
    counts: { ...counts },
    baseline: { ...baseline },
    ...(share !== undefined ? { share } : {}),
    elapsedMs: Math.min(elapsed(), forMs),
    forMs,
    ...rules,
  });
  emit({ type: "step", step, state: "start", message: describe(spec, baseline) });

  let failedEarly = false;
  let wake = () => {};
  const over = new Promise<void>((resolve) => (wake = resolve));
  const timer = setTimeout(wake, forMs);
  const report = setInterval(
    () => emit({ type: "watch", ...pick(status()) }),
    Math.min(REPORT_MS, Math.max(500, Math.round(forMs / 4))),
  );
  if (!control.ending) {
    control.running(status, wake);
    gate.observe((origin, error) => {
      const side = spec.isNew(origin) ? counts : spec.isOld?.(origin) ? baseline : undefined;
      if (side === undefined) return;
      side.requests++;
      if (error) side.errors++;
      if (counts.errors > 0 && judge(counts, baseline, rules, false) === "failed") {
        failedEarly = true;
        wake();
      }
    });
    await over;
  }
  gate.observe(undefined);
  control.running(undefined);
  clearTimeout(timer);
  clearInterval(report);

  const ending = control.ending;
  const verdict = ending?.how ?? (failedEarly ? "failed" : judge(counts, baseline, rules, true)!);
  const { deployId: _id, elapsedMs: _e, ...final } = status();
  const builds = {
    build: spec.build,
    ...(spec.baselineBuild ? { baselineBuild: spec.baselineBuild } : {}),
  };
  const judged: Judgement = {
    ...final,
    ...builds,
    verdict,
    ms: elapsed(),
    ...(ending ? { by: ending.by } : {}),
  };
  emit({ type: "watch", ...pick(status()) });
  const message = conclude(judged);
  if (verdict === "unjudged") emit({ type: "log", level: "warn", message });
  const failed = verdict === "failed" || verdict === "aborted";
  emit({ type: "step", step, state: failed ? "failed" : "done", ms: judged.ms, message });
  return judged;
}

/** A status as a watch event carries it: without the deploy id and the rules. */
function pick({ deployId: _d, maxErrorRate: _m, minRequests: _r, ...rest }: WatchStatus) {
  return rest;
}

function describe(spec: WatchSpec, baseline: AnswerCounts): string {
  const { step, forMs, rules, share } = spec;
  const judged = `at most ${formatShare(rules.maxErrorRate)} more 5xx than`;
  const against =
    step === "canary"
      ? `the old servers over the same time`
      : `before the deploy (${countsText(baseline)} in the last minute)`;
  const who =
    step === "canary" ? `${formatShare(share ?? 0)} of clients go to the new servers; ` : "";
  return `${who}judging the new build for ${forMs / 1000} s: ${judged} ${against}, once ${rules.minRequests} answered`;
}

/** What a judgement says, in one line. */
export function conclude(j: Judgement): string {
  const seen = `the new build: ${countsText(j.counts)}; ${j.step === "canary" ? "the old servers" : "before"}: ${countsText(j.baseline)}`;
  switch (j.verdict) {
    case "passed":
      return `passed: ${seen}`;
    case "failed":
      return `error share over ${formatShare(j.maxErrorRate)} beyond the baseline's after ${j.ms} ms: ${seen}`;
    case "unjudged":
      return `too little traffic to judge: ${answers(j.counts.requests)} in ${j.ms} ms, fewer than minRequests (${j.minRequests}); the new build stays live unjudged`;
    case "promoted":
      return `promoted by ${j.by ?? "request"} after ${j.ms} ms: ${seen}`;
    case "aborted":
      return `aborted by ${j.by ?? "request"} after ${j.ms} ms: ${seen}`;
  }
}

import { formatShare } from "../../config/units.js";
import type { WatchStatus } from "../../protocol.js";
import { ADMIN_BASE } from "../admin-env.js";
import { PostButton } from "./post-button.js";
import { countsText } from "../../watch/watch-text.js";
import { elapsedText } from "./watch-format.js";

const BASELINE = {
  canary: "the old servers' answers over the same time",
  watch:
    "the gate's answers in the minute before the deploy, or the old servers' during its canary",
};

// The two ways to end a judging now (POST /admin/apps/{app}/promote|abort).
const ENDINGS = [
  {
    op: "promote",
    label: "Promote now",
    kind: "primary",
    title: "Keep the new build now and send all traffic to it",
  },
  { op: "abort", label: "Roll back now", kind: "danger", title: "Hand back to the old build now" },
] as const;

// A deploy being judged by its traffic (canary, then watch): the new build's answers
// against its baseline's, how far into `for` it is and the rule it is judged by, with
// the two ways to end it now. The page's script keeps the numbers up to date from the
// deploy's watch events (client-watch.ts, by the data-watch-* fields).
export function WatchCard({
  watch,
  csrf,
  base,
}: {
  watch: WatchStatus;
  csrf: string;
  base: string;
}) {
  const step = watch.step === "canary" ? "Canary" : "Watch";
  return (
    <div class="watch" data-watch data-deploy-id={watch.deployId} data-step={watch.step}>
      <div class="head">
        <span class="label">Judging by traffic</span>
        <strong data-watch-step>{step}</strong>
        <span class="muted">
          of{" "}
          <a href={`${ADMIN_BASE}/log/${encodeURIComponent(watch.deployId)}`}>{watch.deployId}</a>
        </span>
        <span class="grow" />
        {ENDINGS.map((b) => (
          <PostButton action={`${base}/${b.op}`} csrf={csrf} {...b} />
        ))}
      </div>
      <dl class="facts">
        <dt>New build</dt>
        <dd data-watch-counts>{countsText(watch.counts)}</dd>
        <dt title={BASELINE[watch.step]}>Baseline</dt>
        <dd data-watch-baseline>{countsText(watch.baseline)}</dd>
        {watch.share !== undefined && (
          <>
            <dt>Share</dt>
            <dd data-watch-share>{formatShare(watch.share)} of clients on the new build</dd>
          </>
        )}
        <dt>Time</dt>
        <dd>
          <progress data-watch-progress value={watch.elapsedMs} max={watch.forMs || 1} />{" "}
          <span data-watch-elapsed>{elapsedText(watch.elapsedMs, watch.forMs)}</span>
        </dd>
        <dt>Rule</dt>
        <dd data-watch-rule>
          fails at more than {formatShare(watch.maxErrorRate)} errors beyond the baseline's, once{" "}
          {watch.minRequests} answered
        </dd>
      </dl>
    </div>
  );
}

import type { AppView } from "./app-view.js";
import { rate } from "../../http/pages/format.js";
import { PostButton } from "./post-button.js";

// The app's public port: open, holding requests (by hand or for a swap), how
// many wait and run, how fast requests go through; hold and release by hand.
export function GateCard({ view, csrf, base }: { view: AppView; csrf: string; base: string }) {
  const { gate } = view;
  const state = view.busyWith ? "busy" : gate.held ? "held" : "open";
  const title = { busy: "Operation running", held: "Holding requests", open: "Serving" }[state];
  return (
    <div class={`card gate ${gate.held ? "held" : ""}`} data-card="gate">
      <span class="label">Gate</span>
      <span class="big">
        {title} <span class={`pill ${state}`}>{state === "busy" ? view.busyWith : state}</span>
      </span>
      <dl class="facts">
        <dt>Rate</dt>
        <dd data-rate>{rate(view.rate)}</dd>
        <dt>Queued</dt>
        <dd data-queued>{gate.queued}</dd>
        <dt>In flight</dt>
        <dd>{gate.inflight}</dd>
        <dt>Served</dt>
        <dd>
          {gate.served} <span class="muted">({gate.rejected} refused)</span>
        </dd>
      </dl>
      <div class="actions">
        <PostButton
          csrf={csrf}
          {...(gate.held
            ? { action: `${base}/release`, label: "Release requests", kind: "primary" }
            : {
                action: `${base}/hold`,
                label: "Hold requests",
                disabled: view.busyWith !== undefined,
                title: "Queue incoming requests at the gate until released",
              })}
        />
      </div>
    </div>
  );
}

import type { AppView } from "./app-view.js";
import { rate } from "../../http/pages/format.js";
import { PostButton } from "./post-button.js";

/** What the gate card shows: the dashboard's view, or the live feed's every second. */
export type GateView = Pick<AppView, "gate" | "rate" | "busyWith">;

// The app's public port: open, holding requests (by hand or for a swap), how
// many wait and run, how fast requests go through; hold and release by hand. The
// live feed (routes/live-events.ts) draws it again every second and after every step.
export function GateCard({ view, csrf, base }: { view: GateView; csrf: string; base: string }) {
  const { gate, busyWith } = view;
  const state = gate.held ? "holding" : busyWith ? "busy" : "open";
  const title = {
    holding: busyWith ? `Holding requests for ${busyWith}` : "Holding requests",
    busy: "Operation running",
    open: "Serving",
  }[state];
  return (
    <div class={`card gate ${gate.held ? "held" : ""}`} data-card="gate" data-gate-state={state}>
      <span class="label">Gate</span>
      <span class="big">
        {title} <span class={`pill ${state}`}>{state === "busy" ? busyWith : state}</span>
      </span>
      <dl class="facts">
        <dt>Rate</dt>
        <dd data-rate>{rate(view.rate)}</dd>
        <dt>Queued</dt>
        <dd data-queued>{gate.queued}</dd>
        <dt>In flight</dt>
        <dd data-inflight>{gate.inflight}</dd>
        <dt>Served</dt>
        <dd data-served>
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
                disabled: busyWith !== undefined,
                title: "Queue incoming requests at the gate until released",
              })}
        />
      </div>
    </div>
  );
}

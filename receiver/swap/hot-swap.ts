import { holdRestart, holdSwap } from "./hold-swap.js";
import { overlapRestart, overlapSwap } from "./overlap-swap.js";
import type { Emit } from "./steps.js";
import type { Incoming, SwapOutcome, SwapParts, SwapRun } from "./swap-parts.js";
import { swapRecorder } from "./swap-recorder.js";

export type { Incoming, SwapOutcome, SwapParts, SwapRun } from "./swap-parts.js";

// The hot swap: keep the old exe (before anything changes), note every step in the
// swap record, and run the app's strategy: `hold` (hold-swap.ts, the seed's
// sequence) or `overlap` (overlap-swap.ts, new servers beside the old ones).
export async function hotSwap(
  parts: SwapParts,
  incoming: Incoming,
  run: SwapRun,
  emit: Emit,
): Promise<SwapOutcome> {
  const { app, releases } = parts;
  const kept = run.previous ? await releases.keep(app.exeFile, run.previous) : undefined;
  const note = swapRecorder(parts.record, run, incoming, kept, emit);
  const cx = { ...parts, incoming, kept, emit, note };
  return app.strategy === "overlap" ? overlapSwap(cx) : holdSwap(cx);
}

// A restart of the servers on the live exeFile (`live`): the hold sequence without
// the swap, whatever the strategy, noted in the swap record like a swap. Nothing
// is kept: exeFile does not change, so the record's digests are both the live one's.
// A config reload of an app with strategy overlap restarts the overlap way (`overlap`).
export function hotRestart(
  parts: SwapParts,
  live: Incoming,
  run: Omit<SwapRun, "op">,
  emit: Emit,
  overlap = false,
): Promise<SwapOutcome> {
  const note = swapRecorder(parts.record, { ...run, op: "restart" }, live, undefined, emit);
  if (overlap) return overlapRestart({ ...parts, emit, note, incoming: live, kept: undefined });
  return holdRestart({ ...parts, emit, note });
}

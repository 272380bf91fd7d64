import { holdRequests } from "./hold-requests.js";
import { overlapSwap } from "./overlap-swap.js";
import { replaceServers } from "./replace-servers.js";
import { rollBack } from "./roll-back.js";
import { settle } from "./settle.js";
import type { Emit } from "./step.js";
import type { Incoming, SwapContext, SwapOutcome, SwapParts, SwapRun } from "./swap-parts.js";
import { swapRecorder } from "./swap-recorder.js";

export type { Incoming, SwapOutcome, SwapParts, SwapRun } from "./swap-parts.js";

// The hot swap, in the seed's order: keep the old exe, hold requests, unload
// the servers, swap the file, reload the servers, release the hold. If the new
// servers fail their health check, or stop within health.settle after it, the
// kept release goes back in and serves. An app with `strategy: overlap` starts
// the new servers beside the old ones instead and holds nothing (overlap-swap.ts).
export async function hotSwap(
  parts: SwapParts,
  incoming: Incoming,
  run: SwapRun,
  emit: Emit,
): Promise<SwapOutcome> {
  const { app, releases, pool } = parts;
  const kept = run.previous ? await releases.keep(app.exeFile, run.previous) : undefined;
  const note = swapRecorder(parts.record, run, incoming, kept, emit);
  const cx: SwapContext = { ...parts, incoming, kept, emit, note };
  if (app.strategy === "overlap") return overlapSwap(cx);

  note("hold");
  const { value: outcome, holdMs } = await holdRequests(cx, () => replaceServers(cx));
  if (!outcome.ok || !kept || app.health.settle === 0) return { ...outcome, holdMs };

  const unstable = await settle(cx, pool);
  if (!unstable) return { ...outcome, holdMs };
  const output = pool.output();
  const back = await holdRequests(cx, () => rollBack(cx, kept));
  const error = back.value
    ? {
        code: "ERR_ROLLBACK",
        message: `${unstable}; rolling back to release ${kept.id} failed too, so no server runs: ${back.value.message}`,
      }
    : { code: "ERR_UNSTABLE", message: unstable };
  return { ok: false, kept, output, error, rolledBack: !back.value, holdMs: holdMs + back.holdMs };
}

import type { ReleaseInfo } from "../protocol.js";
import type { Emit } from "./steps.js";
import type { Incoming, SwapRun } from "./swap-parts.js";
import type { SwapRecord, SwapRecordFile } from "./swap-record.js";

// Notes each phase of a swap in its write-ahead record. The first note must land
// before anything changes (a failure there stops the swap untouched, so it
// throws); later ones are best effort: a full disk must not strand the hold.
// The same phase noted twice in a row is written once.
export function swapRecorder(
  record: SwapRecordFile,
  run: SwapRun,
  incoming: Incoming,
  kept: ReleaseInfo | undefined,
  emit: Emit,
) {
  let last: SwapRecord["phase"] | undefined;
  const write = (phase: SwapRecord["phase"]) =>
    record.write({
      deployId: run.deployId,
      op: run.op,
      phase,
      kept: kept?.id,
      oldSha256: run.previous?.sha256,
      newSha256: incoming.info.sha256,
      startedAt: new Date().toISOString(),
    });
  return (phase: SwapRecord["phase"]) => {
    if (phase === last) return; // noted already
    const first = last === undefined;
    last = phase;
    if (first) return write(phase);
    try {
      write(phase);
    } catch (error) {
      emit({
        type: "log",
        level: "warn",
        message: `could not write the swap record: ${(error as Error).message}`,
      });
    }
  };
}

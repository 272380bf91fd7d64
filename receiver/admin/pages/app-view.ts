import type { GateStats } from "../../gate/gate.js";
import type { AppStatus, JournalEntry, VersionInfo } from "../../protocol.js";
import type { AppRuntime } from "../../runtime/app-runtime.js";
import { versionInfo } from "../../version/version-info.js";
import type { RateMeter } from "../rate-meter.js";

/** Everything the dashboard shows of one app, gathered at once. */
export interface AppView extends Omit<AppStatus, "hold"> {
  gate: GateStats;
  /** Requests per second through the gate, once there are two samples. */
  rate: number | undefined;
  /** The operation holding the app's lock, if any. */
  busyWith: string | undefined;
  /** One line per deploy: its last journal entry. */
  history: JournalEntry[];
}

// The app's status as the API reports it, plus what only the page shows: the
// staged file's version text, the gate's counters and rate, one history line
// per deploy.
export async function appView(rt: AppRuntime, meter: RateMeter): Promise<AppView> {
  const status = await rt.status();
  const staged: VersionInfo | null =
    status.staged && (await versionInfo(rt.config.updateFile, rt.config.versionCommand));
  const seen = new Set<string>();
  const history = status.recent.filter((entry) => {
    if (seen.has(entry.deployId)) return false;
    seen.add(entry.deployId);
    return true;
  });
  return {
    ...status,
    staged,
    gate: rt.gate.stats(),
    rate: meter.perSecond(rt.config.name),
    busyWith: rt.lock.busyWith,
    history,
  };
}

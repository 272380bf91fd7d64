import { HttpError } from "../http-error.js";
import type { Log } from "../log.js";
import type { Receiver } from "../receiver.js";
import type { ReloadResult } from "./reload.js";
import type { UpgradeOutcome } from "./upgrade.js";

// The receiver's own operations asked for over HTTP (docs/design.md §7): the API with
// an admin token and the admin page run the reload SIGHUP runs and the upgrade SIGUSR2
// runs, for a Windows service (which gets no signals) and for scripts. Each answers
// once it is known how it went, and throws the HttpError that a refusal is.

const starting = () =>
  new HttpError(503, "ERR_STARTING", "the receiver is still starting: ask again once it serves", {
    headers: { "retry-after": "5" },
  });

/** The config reload, once it has ended; 409 ERR_RELOAD when it was refused or partly failed. */
export async function reloadReceiver(
  receiver: Receiver,
  log: Log,
  by: string,
): Promise<ReloadResult> {
  if (!receiver.reload) throw starting();
  log("info", `config reload asked for by ${by}`);
  const result = await receiver.reload();
  if (!result.ok) throw new HttpError(409, "ERR_RELOAD", `reload ${result.summary}`);
  return result;
}

/**
 * The upgrade, once the new receiver is ready and takes over (this process then exits);
 * 409 ERR_UPGRADE_RUNNING while another runs, 500 ERR_UPGRADE_FAILED when the new one
 * did not start (this one serves on).
 */
export async function upgradeReceiver(
  receiver: Receiver,
  by: string,
): Promise<UpgradeOutcome & { ok: true }> {
  if (!receiver.upgrade) throw starting();
  const outcome = await receiver.upgrade(by);
  if (outcome.ok) return outcome;
  if (outcome.kind === "starting") throw starting();
  if (outcome.kind === "running")
    throw new HttpError(409, "ERR_UPGRADE_RUNNING", `${outcome.reason}; wait for it to end`);
  throw new HttpError(500, "ERR_UPGRADE_FAILED", outcome.reason);
}

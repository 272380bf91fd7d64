import type { AppConfig } from "../config/load-config.js";
import { faultPoint } from "../faults.js";
import type { Gate } from "../gate/gate.js";
import type { Pool } from "../pool/pool.js";
import type { ErrorInfo, ReleaseInfo, VersionInfo } from "../protocol.js";
import type { Releases } from "./releases.js";
import { replaceExe, type ReplaceOptions } from "./replace-exe.js";
import { restoreRelease } from "./restore-release.js";
import { stepper, type Emit } from "./step.js";
import type { SwapRecord, SwapRecordFile } from "./swap-record.js";

export interface SwapParts {
  app: AppConfig;
  pool: Pool;
  gate: Gate;
  releases: Releases;
  record: SwapRecordFile;
  replace?: ReplaceOptions;
}

export interface Incoming {
  /** The file that moves into exeFile's place (consumed by the swap). */
  path: string;
  info: VersionInfo;
}

export interface SwapRun {
  deployId: string;
  op: SwapRecord["op"];
  previous: VersionInfo | null;
}

export interface SwapOutcome {
  ok: boolean;
  holdMs: number;
  kept?: ReleaseInfo;
  error?: ErrorInfo;
  rolledBack?: boolean;
  output?: string[];
}

// The hot swap, in the seed's order: keep the old exe, hold requests, unload
// the servers, swap the file, reload the servers, release the hold. If the new
// servers fail their health check the kept release goes back in and serves.
export async function hotSwap(
  parts: SwapParts,
  incoming: Incoming,
  run: SwapRun,
  emit: Emit,
): Promise<SwapOutcome> {
  const { app, gate, releases, record } = parts;
  const step = stepper(emit);
  const kept = run.previous ? await releases.keep(app.exeFile, run.previous) : undefined;
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
  // The first record must land before anything changes (a failure here stops the
  // swap untouched); later ones are best effort: a full disk must not strand the hold.
  write("hold");
  const note = (phase: SwapRecord["phase"]) => {
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

  const heldAt = performance.now();
  await step(
    "hold",
    () => gate.hold(),
    () =>
      `new requests wait at the gate (at most ${app.hold.maxRequests} for ${app.hold.timeout} ms)`,
  );
  faultPoint("after-hold");
  let outcome: Omit<SwapOutcome, "holdMs">;
  try {
    outcome = await whileHeld(parts, incoming, kept, note, emit);
  } finally {
    faultPoint("before-release");
    // Nothing may stand between a swap and the end of its hold.
    await step(
      "release",
      () => gate.release(),
      () => "queued requests go to the servers",
    );
  }
  // The swap record stays until the caller has journaled the outcome (runSwap).
  return { ...outcome, holdMs: Math.round(performance.now() - heldAt) };
}

async function whileHeld(
  parts: SwapParts,
  incoming: Incoming,
  kept: ReleaseInfo | undefined,
  note: (phase: SwapRecord["phase"]) => void,
  emit: Emit,
): Promise<Omit<SwapOutcome, "holdMs">> {
  const { app, pool, gate } = parts;
  const step = stepper(emit);
  const failed = (code: string, message: string, extra: Partial<SwapOutcome> = {}) => ({
    ok: false,
    kept,
    error: { code, message },
    ...extra,
  });

  note("unload");
  await step("unload", async () => {
    if (!(await gate.drain(app.drainTimeoutMs))) {
      emit({
        type: "log",
        level: "warn",
        message: `requests still in flight after drainTimeout (${app.drainTimeoutMs} ms); stopping anyway`,
      });
    }
    await pool.stop();
  });
  faultPoint("after-unload");

  note("swap");
  try {
    await step(
      "swap",
      () => replaceExe(incoming.path, app.exeFile, parts.replace),
      () =>
        `exeFile is now ${incoming.info.sha256.slice(0, 12)}` +
        (kept ? `; the old one is kept as release ${kept.id}` : ""),
    );
  } catch (error) {
    // replaceExe leaves the old exe in place when it fails: bring its servers back.
    const message = `could not move the update into exeFile: ${(error as Error).message}`;
    const restarted = await attempt(() => step("reload", () => pool.start(app.exeFile)));
    return failed(
      "ERR_SWAP",
      restarted
        ? `${message}; the old servers did not start again either: ${restarted.message}`
        : message,
    );
  }

  note("reload");
  const unhealthy = await attempt(() =>
    step(
      "reload",
      () => pool.start(app.exeFile),
      () => `${app.instances} server(s) healthy`,
    ),
  );
  faultPoint("after-reload");
  if (!unhealthy) return { ok: true, kept };
  const output = (unhealthy as { output?: string[] }).output ?? pool.output();
  const message = `the new version failed its health check: ${unhealthy.message}`;
  if (!kept)
    return failed("ERR_HEALTH_CHECK", `${message}; there is no earlier release to roll back to`, {
      output,
    });

  note("rollback");
  const stuck = await attempt(() =>
    step(
      "rollback",
      async () => {
        await pool.stop();
        await restoreRelease(parts.releases, kept, app.exeFile, parts.replace);
        await pool.start(app.exeFile);
      },
      () => `release ${kept.id} serves again`,
    ),
  );
  if (stuck)
    return failed(
      "ERR_ROLLBACK",
      `${message}; rolling back to release ${kept.id} failed too, so no server runs: ${stuck.message}`,
      { output },
    );
  return failed("ERR_HEALTH_CHECK", message, { output, rolledBack: true });
}

/** Runs a step that may fail and returns its error instead of throwing it. */
async function attempt(fn: () => Promise<unknown>): Promise<Error | undefined> {
  try {
    await fn();
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

import type { AppConfig } from "../config/load-config.js";
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
  const note = (phase: SwapRecord["phase"]) =>
    record.write({
      deployId: run.deployId,
      op: run.op,
      phase,
      kept: kept?.id,
      oldSha256: run.previous?.sha256,
      newSha256: incoming.info.sha256,
      startedAt: new Date().toISOString(),
    });

  note("hold");
  const heldAt = performance.now();
  await step(
    "hold",
    () => gate.hold(),
    () =>
      `new requests wait at the gate (at most ${app.hold.maxRequests} for ${app.hold.timeout} ms)`,
  );
  let outcome: Omit<SwapOutcome, "holdMs">;
  try {
    outcome = await whileHeld(parts, incoming, kept, note, emit);
  } finally {
    note("release");
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
    await step("reload", () => pool.start(app.exeFile));
    return {
      ok: false,
      kept,
      error: {
        code: "ERR_SWAP",
        message: `could not move the update into exeFile: ${(error as Error).message}`,
      },
    };
  }

  note("reload");
  try {
    await step(
      "reload",
      () => pool.start(app.exeFile),
      () => `${app.instances} server(s) healthy`,
    );
    return { ok: true, kept };
  } catch (error) {
    const output = (error as { output?: string[] }).output ?? pool.output();
    const message = `the new version failed its health check: ${(error as Error).message}`;
    if (!kept) {
      return {
        ok: false,
        output,
        error: {
          code: "ERR_HEALTH_CHECK",
          message: `${message}; there is no earlier release to roll back to`,
        },
      };
    }
    note("rollback");
    await step(
      "rollback",
      async () => {
        await pool.stop();
        await restoreRelease(parts.releases, kept, app.exeFile, parts.replace);
        await pool.start(app.exeFile);
      },
      () => `release ${kept.id} serves again`,
    );
    return {
      ok: false,
      kept,
      output,
      rolledBack: true,
      error: { code: "ERR_HEALTH_CHECK", message },
    };
  }
}

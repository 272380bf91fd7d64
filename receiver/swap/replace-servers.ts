import { faultPoint } from "../faults.js";
import { replaceExe } from "./replace-exe.js";
import { rollBack } from "./roll-back.js";
import { stepper } from "./step.js";
import { attempt, failed, type SwapContext, type SwapOutcome } from "./swap-parts.js";

// What happens while requests are held: unload the servers (after in-flight
// requests finish), swap the file, reload the servers; if they fail their
// health check, the kept release goes back in.
export async function replaceServers(cx: SwapContext): Promise<Omit<SwapOutcome, "holdMs">> {
  const { app, pool, gate, incoming, kept, note, emit } = cx;
  const step = stepper(emit);

  note("unload");
  await step("unload", async () => {
    if (!(await gate.drain(app.drainTimeoutMs))) {
      const message = `requests still in flight after drainTimeout (${app.drainTimeoutMs} ms); stopping anyway`;
      emit({ type: "log", level: "warn", message });
    }
    await pool.stop();
  });
  faultPoint("after-unload");

  note("swap");
  const stuck = await attempt(() =>
    step(
      "swap",
      () => replaceExe(incoming.path, app.exeFile, cx.replace),
      () =>
        `exeFile is now ${incoming.info.sha256.slice(0, 12)}` +
        (kept ? `; the old one is kept as release ${kept.id}` : ""),
    ),
  );
  if (stuck) {
    // replaceExe leaves the old exe in place when it fails: bring its servers back.
    const message = `could not move the update into exeFile: ${stuck.message}`;
    const down = await attempt(() => step("reload", () => pool.start(app.exeFile)));
    return failed(
      kept,
      "ERR_SWAP",
      down ? `${message}; the old servers did not start again either: ${down.message}` : message,
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
    return failed(
      kept,
      "ERR_HEALTH_CHECK",
      `${message}; there is no earlier release to roll back to`,
      { output },
    );
  const broken = await rollBack(cx, kept);
  if (broken) {
    return failed(
      kept,
      "ERR_ROLLBACK",
      `${message}; rolling back to release ${kept.id} failed too, so no server runs: ${broken.message}`,
      { output },
    );
  }
  return failed(kept, "ERR_HEALTH_CHECK", message, { output, rolledBack: true });
}

import { faultPoint } from "../faults.js";
import { stopServers } from "./stop-servers.js";
import { drainRequests } from "./drain-requests.js";
import { rollBack } from "./roll-back.js";
import { stepper } from "./step.js";
import { swapExe } from "./swap-exe.js";
import { attempt, failed, healthCheckFailed, type SwapContext, type Unheld } from "./swap-parts.js";

// What happens while requests are held: unload the servers (after in-flight
// requests finish), swap the file, reload the servers; if they fail their
// health check, the kept release goes back in.
export async function replaceServers(cx: SwapContext): Promise<Unheld> {
  const { app, pool, kept, note, emit } = cx;
  const step = stepper(emit);

  note("unload");
  await step("unload", async () => {
    await drainRequests(cx);
    await stopServers(pool, emit);
  });
  faultPoint("after-unload");

  note("swap");
  const stuck = await attempt(() => swapExe(cx));
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
  const { message, output } = healthCheckFailed(unhealthy, pool);
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

import { faultPoint } from "../faults.js";
import { stepper } from "./step.js";
import type { SwapContext } from "./swap-parts.js";

// Runs `work` with new requests held at the gate, and takes the hold off
// whatever happens: nothing may stand between a swap and the end of its hold.
export async function holdRequests<T>(
  cx: SwapContext,
  work: () => Promise<T>,
): Promise<{ value: T; holdMs: number }> {
  const { app, gate } = cx;
  const step = stepper(cx.emit);
  const heldAt = performance.now();
  await step(
    "hold",
    () => gate.hold(),
    () =>
      `new requests wait at the gate (at most ${app.hold.maxRequests} for ${app.hold.timeout} ms)`,
  );
  faultPoint("after-hold");
  try {
    return { value: await work(), holdMs: Math.round(performance.now() - heldAt) };
  } finally {
    cx.note("release");
    faultPoint("before-release");
    await step(
      "release",
      () => gate.release(),
      (ended) =>
        ended
          ? "queued requests go to the servers"
          : "the gate stays on hold: it was held by hand on the admin page; release it there",
    );
  }
}

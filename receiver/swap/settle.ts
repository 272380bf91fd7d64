import type { Pool } from "../pool/pool.js";
import { stepper } from "./step.js";
import { attempt, type SwapContext } from "./swap-parts.js";
import { watchSettle } from "./watch-settle.js";

// The "settle" step: the new servers are watched for health.settle once they take
// requests. A server that stops fails the step. The answer is why the build is
// unstable, or undefined if all stayed up.
export async function settle(cx: SwapContext, pool: Pool): Promise<string | undefined> {
  const ms = cx.app.health.settle;
  const unstable = await attempt(() =>
    stepper(cx.emit)(
      "settle",
      async () => {
        const reason = await watchSettle(pool, ms);
        if (reason) throw new Error(reason);
      },
      () => `every server stayed up for ${ms} ms`,
    ),
  );
  return unstable?.message;
}

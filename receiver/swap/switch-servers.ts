import { faultPoint } from "../faults.js";
import type { Pool } from "../pool/pool.js";
import { stepper } from "./step.js";
import type { SwapContext } from "./swap-parts.js";

// The "switch" step of strategy overlap, one assignment: from now on the gate's
// targets are `pool`'s, and any request that waited for a server goes out. Answers
// how long requests could not be dispatched meanwhile (the hold it stands for).
export async function switchServers(cx: SwapContext, pool: Pool): Promise<number> {
  cx.note("switch");
  let ms = 0;
  await stepper(cx.emit)(
    "switch",
    () => {
      const started = performance.now();
      cx.pools.serve(pool);
      ms = performance.now() - started;
    },
    () => "new requests go to the new servers",
  );
  faultPoint("after-switch");
  return ms;
}

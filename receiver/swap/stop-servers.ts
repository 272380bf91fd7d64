import type { Pool } from "../pool/pool.js";
import type { Emit } from "./step.js";

// Stops a pool's servers and tells the workflow log about any that ignored the
// polite stop and had to be killed: a build that does not shut down cleanly is
// worth knowing about even when the deploy succeeds.
export async function stopServers(pool: Pool, emit: Emit): Promise<void> {
  for (const message of await pool.stop()) emit({ type: "log", level: "warn", message });
}

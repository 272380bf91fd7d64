import { ManagedService } from "../pool/managed-service.js";
import { Pool, type PoolEvents, type PoolSpec } from "../pool/pool.js";
import type { ServerPool } from "../pool/server-pool.js";
import { reapStale } from "../pool/reap.js";

// An app's servers as one pool or, during an overlap swap, two: the one serving and
// the next one starting beside it. Each records its children in its own pid file,
// the two files taken in turn, so a receiver killed mid-swap leaves both generations
// on disk and the next start reaps both.
export class AppPools {
  readonly #pidFiles = new WeakMap<ServerPool, string>();
  #serving: ServerPool;

  constructor(
    private spec: Omit<PoolSpec, "pidFile">,
    private readonly events: PoolEvents,
    private readonly files: readonly [string, string],
  ) {
    this.#serving = this.#make(files[0]);
  }

  /** The pool the gate sends requests to. */
  get serving(): ServerPool {
    return this.#serving;
  }

  /** The pool last made by next(): during an overlap swap, the one beside the serving one. */
  #next: ServerPool | undefined;

  /** During an overlap swap, the pool starting (or started) beside the serving one. */
  get beside(): ServerPool | undefined {
    return this.#next === this.#serving ? undefined : this.#next;
  }

  /** A new, stopped pool to start beside the serving one. */
  next(): ServerPool {
    const [first, second] = this.files;
    this.#next = this.#make(this.#pidFiles.get(this.#serving) === first ? second : first);
    return this.#next;
  }

  // The gate names a failed server by instance and origin; during an overlap swap (a
  // canary takes requests before the switch) it may be the next pool's.
  reportFailure(instance: number, origin: string): void {
    const pool = this.#next?.serves(origin) ? this.#next : this.#serving;
    pool.reportFailure(instance, origin);
  }

  /** From now on the gate sends requests to `pool`. */
  serve(pool: ServerPool): void {
    this.#serving = pool;
    this.events.targetsChanged();
  }

  /** A reload's new settings (docs/design.md §7), for the serving pool's next start and every next(). */
  respec(spec: Omit<PoolSpec, "pidFile">): void {
    this.spec = spec;
    this.#serving.respec(spec);
  }

  /** Stops the servers a killed receiver left running, listed in either pid file. */
  async reapStale(): Promise<number> {
    let reaped = 0;
    for (const file of this.files) reaped += await reapStale(file);
    return reaped;
  }

  #make(pidFile: string): ServerPool {
    const { managed } = this.spec;
    const pool = managed
      ? new ManagedService({ ...this.spec, managed, pidFile }, this.events)
      : new Pool({ ...this.spec, pidFile }, this.events);
    this.#pidFiles.set(pool, pidFile);
    return pool;
  }
}

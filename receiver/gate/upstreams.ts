import { Pool } from "undici";

const POOL_OPTIONS: Pool.Options = {
  headersTimeout: 300_000,
  bodyTimeout: 0, // long polls and event streams: the app decides when its answer ends
};

// One keep-alive connection pool per server instance, made on first use, so a request
// costs no new connection. Pools of instances that went away are closed after a while,
// not at once: a swap may bring the same origin back, and answers may still be flowing.
export class Upstreams {
  readonly #pools = new Map<string, Pool>();
  readonly #absent = new Set<string>();
  readonly #options: Pool.Options;

  /** `connectTimeoutMs`: a server that does not accept within it is not reached (undici's own timer). */
  constructor(connectTimeoutMs: number) {
    this.#options = { ...POOL_OPTIONS, connectTimeout: connectTimeoutMs };
  }

  get(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, this.#options);
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  // Called now and then with the origins in use: a pool found unused twice in a row is
  // closed gracefully (requests on it finish first).
  sweep(inUse: ReadonlySet<string>): void {
    for (const [origin, pool] of this.#pools) {
      if (inUse.has(origin)) {
        this.#absent.delete(origin);
      } else if (!this.#absent.has(origin)) {
        this.#absent.add(origin);
      } else {
        this.#absent.delete(origin);
        this.#pools.delete(origin);
        pool.close().catch(() => undefined);
      }
    }
  }

  // At shutdown: whatever is still running upstream is cut.
  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    this.#absent.clear();
    await Promise.all(pools.map((pool) => pool.destroy().catch(() => undefined)));
  }
}

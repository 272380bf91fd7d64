import type { ServerStatus, StreamEvent } from "../protocol.js";
import type { PoolSpec } from "./pool-spec.js";
import type { Target } from "./target.js";

/** Where a pool reports what a deploy's stream should show while it starts or stops. */
export type Report = (event: StreamEvent) => void;

// The app's servers as the swap, the gate and the runtime see them: the receiver's own
// child processes (pool.ts), or one server a service manager runs (managed-service.ts,
// `commands:`). One generation at a time: start it from an exe, learn whether it came
// up, stop it.
export interface ServerPool {
  /** What the running generation was started from. */
  readonly exe: string | undefined;
  /** Starts a generation and resolves once it is healthy; rejects with HealthCheckError. */
  start(exe: string, report?: Report): Promise<void>;
  /** Stops it; the answer lists what had to be forced, for the log. May reject (a managed stop that failed). */
  stop(report?: Report): Promise<string[]>;
  /** The receiver lets go of the servers at its exit or an upgrade's hand-over. */
  release(): Promise<void>;
  /** What restarts run while exeFile holds another build (an overlap swap). */
  pin(exe: string | undefined): void;
  respec(spec: Omit<PoolSpec, "pidFile">): void;
  /** The healthy servers, where the gate sends requests. */
  targets(): Target[];
  /** Why no request should wait for this pool, if none should. */
  failing(): string | undefined;
  /** Every server's address, healthy or not. */
  origins(): string[];
  serves(origin: string): boolean;
  status(): ServerStatus[];
  output(lines?: number): string[];
  reportFailure(instance: number, origin?: string): void;
}

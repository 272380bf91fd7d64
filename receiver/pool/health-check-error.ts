// Servers that did not come up: the swap rolls back on this error and the deploy
// result shows its message and the servers' last output lines.
export class HealthCheckError extends Error {
  readonly code = "health_check_failed";
  override readonly name = "HealthCheckError";
  /** Last output lines of the servers, each prefixed "[#N] ", newest last. */
  output: string[];

  /** The servers could not listen (their ports were taken), which is no fault of the build. */
  readonly portTaken: boolean;

  constructor(message: string, output: string[], options: { portTaken?: boolean } = {}) {
    super(message);
    this.output = output;
    this.portTaken = options.portTaken ?? false;
  }
}

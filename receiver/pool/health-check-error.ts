// Servers that did not come up: the swap rolls back on this error and the deploy
// result shows its message and the servers' last output lines.
export class HealthCheckError extends Error {
  readonly code = "health_check_failed";
  override readonly name = "HealthCheckError";
  /** Last output lines of the servers, each prefixed "[#N] ", newest last. */
  output: string[];

  constructor(message: string, output: string[]) {
    super(message);
    this.output = output;
  }
}

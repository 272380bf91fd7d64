import type { StepName, StreamEvent } from "../protocol.js";

export type Emit = (event: StreamEvent) => void;

// Runs one named step of a swap and reports it the same way every time:
// start, then done or failed with its duration and message.
export function stepper(emit: Emit) {
  return async function step<T>(
    name: StepName,
    fn: () => T | Promise<T>,
    done?: (value: T) => string | undefined,
  ): Promise<T> {
    const started = performance.now();
    emit({ type: "step", step: name, state: "start" });
    try {
      const value = await fn();
      const message = done?.(value);
      emit({
        type: "step",
        step: name,
        state: "done",
        ms: Math.round(performance.now() - started),
        ...(message ? { message } : {}),
      });
      return value;
    } catch (error) {
      emit({
        type: "step",
        step: name,
        state: "failed",
        ms: Math.round(performance.now() - started),
        message: (error as Error).message,
      });
      throw error;
    }
  };
}

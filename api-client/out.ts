// Where a client writes what happens: the workflow log for the action, the terminal for
// the CLI. The shared code below writes only through this, so both show the same steps.

/** The lines and groups of a log, as @actions/core writes them. */
export interface LogLines {
  info(message: string): void;
  startGroup(name: string): void;
  endGroup(): void;
  warning(message: string): void;
  error(message: string): void;
}

export interface Out extends LogLines {
  /** The receiver's own words (one or more lines), shown as they are but never obeyed. */
  untrusted(text: string): void;
  /** Runs fn inside a group titled name, closed when fn ends or throws. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** A step of the receiver's has started; its group is written when it ends. */
  running?(step: string): void;
}

// A group over startGroup and endGroup, as @actions/core's group() does it.
export async function inGroup<T>(out: LogLines, name: string, fn: () => Promise<T>): Promise<T> {
  out.startGroup(name);
  try {
    return await fn();
  } finally {
    out.endGroup();
  }
}

// Numbers a person reads in the log and the job summary, in one style.

/** "12 ms" below a second, "3.4 s" above. */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Decimal megabytes, as network speeds are quoted. */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

// Human units in the config ("30s", "2GiB") so users need not count zeros.

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** Node timers fire at once past this many milliseconds (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** "30s", "500ms", "2m", "1h", or a bare number of seconds → milliseconds; undefined if unparseable. */
export function parseDuration(value: string | number): number | undefined {
  let ms: number | undefined;
  if (typeof value === "number") ms = value * 1000;
  else {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(value);
    if (match) ms = Math.round(Number(match[1]) * DURATION_UNITS[(match[2] ?? "s").toLowerCase()]!);
  }
  return ms !== undefined && Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIMER_MS ? ms : undefined;
}

/** Milliseconds the way a config writes them: 500 → "500ms", 1500 → "1.5s", 60000 → "60s". */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`;
}

/** "2%", "0.5%" or a bare fraction (0.02) → a fraction from 0 to 1; undefined if unparseable. */
export function parseShare(value: string | number): number | undefined {
  let share: number | undefined;
  if (typeof value === "number") share = value;
  else {
    const match = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value);
    if (match) share = Number(match[1]) / 100;
  }
  return share !== undefined && Number.isFinite(share) && share >= 0 && share <= 1
    ? share
    : undefined;
}

/** A fraction the way a config writes it: 0.02 → "2%". */
export function formatShare(share: number): string {
  return `${Math.round(share * 10_000) / 100}%`;
}

/** "2GiB", "500MB", "1024", or a bare number of bytes → bytes; undefined if unparseable. */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === "number")
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)?\s*$/i.exec(value);
  const factor = SIZE_UNITS[(match?.[2] ?? "b").toLowerCase()];
  if (!match || factor === undefined) return undefined;
  return Math.floor(Number(match[1]) * factor);
}

/** "127.0.0.1:8787", "[::1]:8787", ":8787" or 8787 → host and port; undefined if unparseable. */
export function parseAddress(value: string | number, defaultHost: string) {
  const text = String(value).trim();
  // A host is only there when a colon follows it: "8787" is a bare port.
  const match = /^(?:(?:\[([^\]]+)\]|([^:[\]]*)):)?(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  return { host: match[1] ?? (match[2] || defaultHost), port };
}

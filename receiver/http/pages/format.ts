// How the pages (the admin page, the legacy links) write numbers and times: short,
// in the user's words, the same on every row. Times are UTC so a screenshot means
// the same everywhere.

export const shortSha = (sha256: string | undefined) => (sha256 ? sha256.slice(0, 12) : "—");

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function when(iso: string | undefined): string {
  if (!iso) return "—";
  return iso.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC");
}

export function duration(ms: number | undefined): string {
  if (ms === undefined) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

export function uptime(startedAt: string | undefined, now = Date.now()): string {
  return startedAt ? duration(now - Date.parse(startedAt)) : "—";
}

export function rate(perSecond: number | undefined): string {
  if (perSecond === undefined) return "—";
  return `${perSecond < 10 ? perSecond.toFixed(1) : Math.round(perSecond)} req/s`;
}

// Tests wait for conditions, never for a fixed time.
import { alive } from "../helpers/processes.js";
import { waitFor as waitUntil } from "../helpers/wait-for.js";

/** The shared waitFor, with what is awaited first (as the pool tests read best). */
export const waitFor = <T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000) =>
  waitUntil(check, what, timeoutMs);

export const isAlive = alive;

/** GET a JSON body from an origin. */
export async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

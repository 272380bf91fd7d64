import type { IncomingMessage } from "node:http";
import { clientAddress } from "../net/client-address.js";
import type { Target } from "../pool/target.js";
import type { TrustProxy } from "./request-headers.js";

/** The cookie an app may set (to a user or session id) to pin a client to one side. */
export const CANARY_COOKIE = "hotswap-canary";

/** A canary under way: `share` of clients go to `targets`, the rest to the serving pool. */
export interface CanarySplit {
  share: number;
  targets: () => Target[];
}

const BUCKETS = 10_000;

// Which side of a canary a request goes to, the same for every request of one client so
// a user does not flip between versions: the client is the `hotswap-canary` cookie's
// value when the app sets one (a user id survives address changes), else its address
// (the real client's behind a trusted proxy, config trustProxy). The gate never sets
// the cookie itself: the app's answers pass through unchanged.
export function canaryBucket(req: IncomingMessage, trustProxy: TrustProxy): number {
  const key = canaryCookie(req.headers.cookie) ?? clientAddress(req, trustProxy);
  return fnv1a(key) % BUCKETS;
}

/** Whether a client in `bucket` is among the `share` that the canary takes. */
export const inCanary = (bucket: number, share: number) => bucket < share * BUCKETS;

function canaryCookie(header: string | undefined): string | undefined {
  if (header === undefined || !header.includes(CANARY_COOKIE)) return undefined;
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq > 0 && pair.slice(0, eq).trim() === CANARY_COOKIE) {
      const value = pair.slice(eq + 1).trim();
      if (value !== "") return value;
    }
  }
  return undefined;
}

// FNV-1a, 32-bit: spreads short keys (addresses, ids) evenly over the buckets, and
// one client's key always lands in the same one.
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

import type { JournalEntry, Op } from "../protocol.js";
import type { GithubClaims } from "./github-policy.js";

/** What the journal records of who made a call. */
export type Who = NonNullable<JournalEntry["who"]>;

/** Who made a call, by what proved it: a token (the API), the admin password, a Basic user. */
export type Principal = KeyPrincipal | GithubPrincipal | AdminPrincipal | LegacyPrincipal;

/** A caller of the API, proved by a token of either kind. */
export type TokenPrincipal = KeyPrincipal | GithubPrincipal;

interface TokenGrant {
  jti: string;
  exp: number;
  /** What the token allows: its claims (key mode) or its bound audience (OIDC). */
  app: string;
  op: Op;
  sha256?: string;
  who: Who;
}

/** A token the action signed with one of auth.keys. */
export interface KeyPrincipal extends TokenGrant {
  via: "key";
  keyId: string;
}

/** A GitHub Actions ID token (keyless). */
export interface GithubPrincipal extends TokenGrant {
  via: "github";
  /** The workflow's claims, for the policy. */
  github: GithubClaims;
}

/** Whoever signed in to the admin page with its password. */
export interface AdminPrincipal {
  via: "admin";
  who: Who;
}

/** A user of an app's legacy.users, signed in with HTTP Basic on the seed's links. */
export interface LegacyPrincipal {
  via: "legacy";
  /** The user's name as configured. */
  user: string;
  who: Who;
}

/** The admin page has one password, so one principal. */
export const ADMIN_PRINCIPAL: AdminPrincipal = {
  via: "admin",
  who: { actor: "admin", admin: true },
};

/** A legacy.users entry that signed in, as the journal names it. */
export function legacyPrincipal(user: string): LegacyPrincipal {
  return { via: "legacy", user, who: { actor: user, legacy: true } };
}

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** What the admin cookie carries; signed, so it needs no server-side store. */
export interface Session {
  /** Expiry, ms since the epoch. */
  exp: number;
  /** The token every form and call must echo (double submit, bound to this cookie). */
  csrf: string;
  /** false: only the login form's session, good for nothing but signing in. */
  signedIn: boolean;
}

/** How long the login form may stay open before it must be loaded again. */
const LOGIN_FORM_MS = 60 * 60_000;

// Issues and checks the admin cookie: `payload.signature`, HMAC-SHA256 with the
// receiver's session key. Signing out revokes the session until it would expire.
export class Sessions {
  private readonly revoked = new Map<string, number>();

  constructor(
    private readonly key: Buffer,
    readonly ttlMs: number,
  ) {}

  issue(signedIn: boolean): { session: Session; value: string } {
    const exp = Date.now() + (signedIn ? this.ttlMs : LOGIN_FORM_MS);
    const session: Session = { exp, csrf: randomBytes(24).toString("base64url"), signedIn };
    const payload = Buffer.from(JSON.stringify(session)).toString("base64url");
    return { session, value: `${payload}.${this.sign(payload)}` };
  }

  read(value: string | undefined): Session | undefined {
    const [payload, signature, extra] = (value ?? "").split(".");
    if (!payload || !signature || extra !== undefined) return undefined;
    const expected = Buffer.from(this.sign(payload), "base64url");
    const actual = Buffer.from(signature, "base64url");
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
    let session: Session;
    try {
      session = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Session;
    } catch {
      return undefined;
    }
    if (typeof session.exp !== "number" || session.exp <= Date.now()) return undefined;
    if (typeof session.csrf !== "string" || this.revoked.has(session.csrf)) return undefined;
    return { exp: session.exp, csrf: session.csrf, signedIn: session.signedIn === true };
  }

  revoke(session: Session): void {
    const now = Date.now();
    for (const [csrf, exp] of this.revoked) if (exp <= now) this.revoked.delete(csrf);
    this.revoked.set(session.csrf, session.exp);
  }

  private sign(payload: string): string {
    return createHmac("sha256", this.key).update(payload).digest("base64url");
  }
}

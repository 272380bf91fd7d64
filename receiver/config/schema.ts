import { parseCidr } from "../net/parse-cidr.js";
import { DEFAULT_RULES } from "../watch/judge.js";
import * as z from "../zod.js";
import { shown } from "./to-config-error.js";
import {
  formatDuration,
  formatShare,
  parseAddress,
  parseDuration,
  parseShare,
  parseSize,
} from "./units.js";

// The config file's shape (docs/design.md §2), validated with zod (mini, ../zod.ts)
// so every mistake is reported with the key it is under. Units are converted here.

const expected = (example: string, v: unknown) => `expected ${example}, got ${shown(v)}`;

// A transform's reason: zod/mini hands it the parse payload, whose issues it adds to.
function fail(ctx: z.core.ParsePayload, message: string): never {
  ctx.issues.push({ code: "custom", message, input: ctx.value });
  return z.NEVER;
}

// A value written in human units ("30s", "2GiB", "127.0.0.1:8080"), converted by
// `parse`; anything it cannot read is reported with an example of what it takes.
const unit = <T>(parse: (v: string | number) => T | undefined, example: string) =>
  z.pipe(
    z.union([z.string(), z.number()], { error: (issue) => expected(example, issue.input) }),
    z.transform((v: string | number, ctx) => parse(v) ?? fail(ctx, expected(example, v))),
  );

const duration = unit(parseDuration, 'a duration like "30s" or "500ms" (at most 24 days)');
const size = unit(parseSize, 'a size like "2GiB" or "500MB"');
const share = unit(parseShare, 'a share like "2%" (or 0.02)');
const ADDRESS = 'host:port like "127.0.0.1:8080"';
const address = (defaultHost: string) => unit((v) => parseAddress(v, defaultHost), ADDRESS);

// A timeout of a few milliseconds would cut every request short: a floor says so.
const durationAtLeast = (min: number) =>
  duration.check(
    z.refine((ms) => ms >= min, {
      error: (issue) =>
        `must be at least ${formatDuration(min)}, got ${formatDuration(issue.input as number)}`,
    }),
  );

// Whole numbers; digits in a string count too, so `instances: ${INSTANCES}` works.
const count = (min: number, max: number) =>
  z.pipe(
    z.transform((v) => (typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : v)),
    z
      .number({ error: `expected a whole number from ${min} to ${max}` })
      .check(z.int(), z.minimum(min), z.maximum(max)),
  );

export const APP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const key = z
  .strictObject({
    id: z
      .string()
      .check(z.regex(/^[A-Za-z0-9._-]{1,64}$/, "expected letters, digits, . _ - (1 to 64)")),
    secret: z.optional(z.string()),
    publicKey: z.optional(z.string()),
  })
  .check(
    z.superRefine((k, ctx) => {
      if ((k.secret === undefined) === (k.publicKey === undefined)) {
        ctx.addIssue({ code: "custom", message: "give exactly one of secret or publicKey" });
      } else if (k.secret !== undefined && Buffer.byteLength(k.secret) < 32) {
        ctx.addIssue({
          code: "custom",
          path: ["secret"],
          message: `an HS256 secret needs at least 32 bytes, this one has ${Buffer.byteLength(k.secret)} (make one with: hotswap-receiver keygen)`,
        });
      }
    }),
  );

const ids = z
  .array(z.pipe(z.union([z.string(), z.number()]), z.transform(String)))
  .check(z.minLength(1));
const globs = z.array(z.string().check(z.minLength(1))).check(z.minLength(1));

// Which GitHub workflows may deploy (docs/design.md §5, OIDC mode). Numeric ids
// are compared as strings; names are accepted but survive no rename.
const githubPolicy = {
  repositoryIds: z.optional(ids),
  repositoryOwnerIds: z.optional(ids),
  repositories: z.optional(globs),
  refs: z.optional(globs),
  environments: z.optional(globs),
  events: z.optional(globs),
  jobWorkflowRefs: z.optional(globs),
  runnerEnvironments: z.optional(globs),
};
const LOOPBACK = /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/.*)?$/;
const github = z
  .strictObject({
    issuer: z._default(
      z.pipe(
        z.string().check(
          z.refine((u) => /^https:\/\/[^/]+(\/.*)?$/.test(u) || LOOPBACK.test(u), {
            message: "expected an https URL (http only on loopback)",
          }),
        ),
        z.transform((u: string) => u.replace(/\/$/, "")),
      ),
      "https://token.actions.githubusercontent.com",
    ),
    ...githubPolicy,
  })
  .check(
    z.refine((p) => p.repositoryIds || p.repositoryOwnerIds || p.repositories, {
      message:
        "name the repositories that may deploy: repositoryIds (best), repositoryOwnerIds or repositories; without one, every GitHub repository could",
    }),
  );

const legacy = z.strictObject({
  users: z
    .array(
      z.strictObject({
        name: z.string().check(z.minLength(1)),
        passwordHash: z
          .string()
          .check(
            z.regex(/^scrypt\$/, "expected a hash printed by: hotswap-receiver hash-password"),
          ),
      }),
    )
    .check(z.minLength(1)),
});

// proxy: every request passes the receiver; socket: the servers accept on the gate's
// socket themselves (docs/design.md §3). What socket mode rules out is checked with the
// rest of the app (check-config.ts checkSocketMode).
const gateMode = z._default(
  z.pipe(
    z.unknown(),
    z.transform((mode, ctx) =>
      mode === "proxy" || mode === "socket"
        ? mode
        : fail(ctx, expected('"proxy" or "socket"', mode)),
    ),
  ),
  "proxy" as const,
);

// The app's public port and how it treats clients and servers (gate/gate.ts).
const gateObject = z.strictObject(
  {
    listen: address("0.0.0.0"),
    mode: gateMode,
    /** The whole request head must arrive within this. */
    headersTimeout: z._default(durationAtLeast(100), 20_000),
    /** Longest pause in a request body. */
    bodyIdleTimeout: z._default(durationAtLeast(100), 30_000),
    /** Bytes per second a body must keep up over each bodyIdleTimeout; 0 = off. */
    bodyMinRate: z._default(size, 1024),
    /** A server owing a first byte this long leaves rotation until its health check answers. */
    stallTimeout: z._default(durationAtLeast(100), 2_000),
  },
  { error: (issue) => expected(`${ADDRESS} or {listen, mode, …}`, issue.input) },
);

// `gate: 0.0.0.0:8080` is short for `gate: {listen: 0.0.0.0:8080}`; a bad short form
// is reported at `gate`, where the user wrote it.
const gate = z.pipe(
  z.pipe(
    z.transform((v, ctx) => {
      if (typeof v !== "string" && typeof v !== "number") return v;
      return parseAddress(v, "0.0.0.0") ? { listen: v } : fail(ctx, expected(ADDRESS, v));
    }),
    gateObject,
  ),
  z.transform(({ listen, mode, ...g }: z.output<typeof gateObject>) => ({
    host: listen.host,
    port: listen.port,
    mode,
    headersTimeoutMs: g.headersTimeout,
    bodyIdleTimeoutMs: g.bodyIdleTimeout,
    bodyMinRate: g.bodyMinRate,
    stallTimeoutMs: g.stallTimeout,
  })),
);

// A peer whose X-Forwarded-* headers are believed: an address or a CIDR block.
const proxy = z.pipe(
  z.unknown(),
  z.transform((v, ctx) =>
    typeof v === "string" && parseCidr(v)
      ? v.trim()
      : fail(ctx, expected("an IP address or CIDR like 10.0.0.0/8", v)),
  ),
);

// A non-empty string, and the same left out.
const text = () => z.string().check(z.minLength(1));

// A hook command: a program (relative to where it runs, or on PATH) as a string, or
// a program and its arguments as a list. Never through a shell.
const hookCommand = z.pipe(
  z.union([text(), z.array(z.string()).check(z.minLength(1))], {
    error: (issue) =>
      expected('a command like "bin/migrate" or a list like [bin/migrate, --yes]', issue.input),
  }),
  z.transform((c) => (typeof c === "string" ? [c] : c)),
);

// Commands run around a deploy (docs/design.md "Folder apps, hooks"): beforeSwap before
// the hold (a failure refuses the deploy, nothing changed), afterRelease after the
// release (a failure is reported). timeout bounds each list as a whole.
const hooks = z.strictObject({
  beforeSwap: z._default(z.array(hookCommand), []),
  afterRelease: z._default(z.array(hookCommand), []),
  timeout: z._default(durationAtLeast(100), 5 * 60_000),
});

// Judging a new build by its answers at the gate (docs/design.md "judging by traffic",
// guarantee 11): watch after the release, canary (strategy overlap) before it.
const watch = z.strictObject({
  for: z._default(durationAtLeast(500), 60_000),
  maxErrorRate: z._default(share, DEFAULT_RULES.maxErrorRate),
  minRequests: z._default(count(1, 1_000_000_000), DEFAULT_RULES.minRequests),
});
const canary = z.strictObject({
  share: z._default(
    share.check(
      z.refine((s) => s > 0 && s < 1, {
        error: (issue) =>
          `must be more than 0% and less than 100%, got ${formatShare(issue.input as number)}`,
      }),
    ),
    0.1,
  ),
  for: z._default(durationAtLeast(500), 60_000),
});

// An http:// URL on the server (a service's address or its health URL): the receiver
// asks it over plain HTTP, as the gate does its own servers.
const httpUrl = (example: string) =>
  z.pipe(
    z.unknown(),
    z.transform((v, ctx) => {
      let url: URL | undefined;
      try {
        url = typeof v === "string" ? new URL(v) : undefined;
      } catch {
        url = undefined;
      }
      if (!url || url.protocol !== "http:" || url.username || url.password)
        return fail(ctx, expected(`an http:// URL like ${example}`, v));
      return url;
    }),
  );

// Servers managed elsewhere (docs/design.md §8): the service manager's own commands.
const commands = z.strictObject({ stop: hookCommand, start: hookCommand });

const app = z.strictObject({
  /** Web Connection's web.config or wc.ini to read ExeFile and UpdateFile from. */
  from: z.optional(text()),
  exeFile: z.optional(text()),
  updateFile: z.optional(text()),
  /** A folder app (docs/design.md "Folder apps"): releases under dir/releases, dir/current live. */
  dir: z.optional(text()),
  /** A folder app's program, relative to a release: bin/server. */
  exe: z.optional(text()),
  /** A folder artifact unpacked: at most this many bytes (default 4 × maxUploadSize) and entries. */
  maxUnpackedSize: z.optional(size),
  maxFiles: z._default(count(1, 10_000_000), 100_000),
  /** The seed's own links (UploadExe.wc, UpdateExe.wc, …) with Basic auth. */
  legacy: z.optional(legacy),
  args: z._default(z.array(z.string()), []),
  env: z._default(
    z.record(z.string(), z.pipe(z.union([z.string(), z.number()]), z.transform(String))),
    {},
  ),
  instances: z._default(count(1, 64), 1),
  /** Servers managed elsewhere: stop and start through the service manager instead of instances. */
  commands: z.optional(commands),
  /** With commands: where the service answers; the gate sends requests there. */
  upstream: z.optional(httpUrl("http://127.0.0.1:8081")),
  gate,
  /**
   * hold: stop the servers, swap, start them while requests wait at the gate.
   * overlap: start the new servers beside the old ones and switch when they are healthy.
   */
  strategy: z._default(z.enum(["hold", "overlap"]), "hold"),
  health: z._default(
    z.strictObject({
      path: z.optional(z.string().check(z.startsWith("/", "expected a path starting with /"))),
      /** Servers managed elsewhere: what must answer 2xx once the service has started. */
      url: z.optional(httpUrl("http://127.0.0.1:8081/health")),
      timeout: z._default(duration, 30_000),
      settle: z._default(duration, 0),
    }),
    { timeout: 30_000, settle: 0 },
  ),
  // hold.timeout must outlast drainTimeout + health.timeout (check-config.ts).
  drainTimeout: z._default(duration, 10_000),
  stopTimeout: z._default(duration, 10_000),
  /** A POST to this path on each server's own port asks it to stop, before SIGTERM or taskkill. */
  stopPath: z.optional(z.string().check(z.startsWith("/", "expected a path starting with /"))),
  hold: z._default(
    z.strictObject({
      timeout: z._default(duration, 60_000),
      maxRequests: z._default(count(0, 1_000_000), 1000),
    }),
    { timeout: 60_000, maxRequests: 1000 },
  ),
  keepReleases: z._default(count(1, 100), 5),
  /** Where users reach the app: put on the GitHub deployment a deploy makes (environment-url). */
  publicUrl: z.optional(
    z.string().check(
      z.url({
        protocol: /^https?$/,
        error: "expected the app's public http(s) URL, like https://app.example.com",
      }),
    ),
  ),
  hooks: z._default(hooks, { beforeSwap: [], afterRelease: [], timeout: 5 * 60_000 }),
  /** After the release, judge the new build by its share of 5xx answers at the gate. */
  watch: z.optional(watch),
  /** strategy overlap: the new servers first take a share of new requests, judged. */
  canary: z.optional(canary),
  versionCommand: z.optional(z.array(z.string()).check(z.minLength(1))),
  maxUploadSize: z._default(size, 2 * 1024 ** 3),
  auth: z.optional(
    z.strictObject({
      keys: z.optional(z.array(z.string()).check(z.minLength(1))),
      github: z.optional(z.strictObject(githubPolicy)),
    }),
  ),
});

const admin = z.strictObject({
  passwordHash: z
    .string()
    .check(
      z.regex(
        /^scrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+$/,
        "expected a hash printed by: hotswap-receiver hash-password",
      ),
    ),
  sessionTtl: z._default(duration, 12 * 3_600_000),
});

export const configSchema = z.strictObject({
  listen: z._default(address("127.0.0.1"), { host: "127.0.0.1", port: 8787 }),
  audience: z
    .string()
    .check(z.url("expected the receiver's public URL, like https://deploy.example.com")),
  data: z._default(z.string(), "./.hotswap"),
  /** Serve the API (and admin page) over HTTPS itself, when nothing terminates TLS in front. */
  tls: z.optional(z.strictObject({ cert: text(), key: text() })),
  /** GET /metrics in the Prometheus text format, on the API's listener. */
  metrics: z._default(z.boolean(), true),
  uploadIdleTimeout: z._default(duration, 60_000),
  uploadMinRate: z._default(size, 1024),
  /** Peers (proxies in front of the gates) whose X-Forwarded-* headers are believed. */
  trustProxy: z._default(
    z.array(proxy, { error: "expected a list like [127.0.0.1, 10.0.0.0/8]" }),
    [],
  ),
  auth: z.strictObject({
    keys: z._default(z.array(key), []),
    /** The key ids whose tokens may act on the receiver itself (op admin); none: off. */
    adminKeys: z._default(z.array(z.string()), []),
    github: z.optional(github),
    maxFailuresPerMinute: z._default(count(0, 1_000_000), 30),
  }),
  admin: z.optional(admin),
  apps: z.record(
    z.string().check(z.regex(APP_NAME, "app names are letters, digits, . _ - (1 to 64)")),
    app,
  ),
});

export type RawConfig = z.output<typeof configSchema>;
export type RawApp = z.output<typeof app>;

export type GithubPolicy = { [K in keyof typeof githubPolicy]?: string[] };
export type GithubConfig = z.output<typeof github>;

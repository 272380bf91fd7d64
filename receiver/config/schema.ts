import { z } from "zod";
import { parseCidr } from "../net/parse-cidr.js";
import { formatDuration, parseAddress, parseDuration, parseSize } from "./units.js";

// The config file's shape (docs/design.md §2), validated with zod so every
// mistake is reported with the key it is under. Units are converted here.

const expected = (example: string, v: unknown) => `expected ${example}, got ${JSON.stringify(v)}`;

// A value written in human units ("30s", "2GiB", "127.0.0.1:8080"), converted by
// `parse`; anything it cannot read is reported with an example of what it takes.
const unit = <T>(parse: (v: string | number) => T | undefined, example: string) =>
  z
    .union([z.string(), z.number()], { error: (issue) => expected(example, issue.input) })
    .transform((v, ctx) => {
      const parsed = parse(v);
      if (parsed === undefined) {
        ctx.addIssue({ code: "custom", message: expected(example, v) });
        return z.NEVER;
      }
      return parsed;
    });

const duration = unit(parseDuration, 'a duration like "30s" or "500ms" (at most 24 days)');
const size = unit(parseSize, 'a size like "2GiB" or "500MB"');
const ADDRESS = 'host:port like "127.0.0.1:8080"';
const address = (defaultHost: string) => unit((v) => parseAddress(v, defaultHost), ADDRESS);

// A timeout of a few milliseconds would cut every request short: a floor says so.
const durationAtLeast = (min: number) =>
  duration.refine((ms) => ms >= min, {
    error: (issue) =>
      `must be at least ${formatDuration(min)}, got ${formatDuration(issue.input as number)}`,
  });

// Whole numbers; digits in a string count too, so `instances: ${INSTANCES}` works.
const count = (min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : v),
    z
      .number({ error: `expected a whole number from ${min} to ${max}` })
      .int()
      .min(min)
      .max(max),
  );

export const APP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const key = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "expected letters, digits, . _ - (1 to 64)"),
    secret: z.string().optional(),
    publicKey: z.string().optional(),
  })
  .superRefine((k, ctx) => {
    if ((k.secret === undefined) === (k.publicKey === undefined)) {
      ctx.addIssue({ code: "custom", message: "give exactly one of secret or publicKey" });
    } else if (k.secret !== undefined && Buffer.byteLength(k.secret) < 32) {
      ctx.addIssue({
        code: "custom",
        path: ["secret"],
        message: `an HS256 secret needs at least 32 bytes, this one has ${Buffer.byteLength(k.secret)} (make one with: hotswap-receiver keygen)`,
      });
    }
  });

const ids = z.array(z.union([z.string(), z.number()]).transform(String)).min(1);
const globs = z.array(z.string().min(1)).min(1);

// Which GitHub workflows may deploy (docs/design.md §5, OIDC mode). Numeric ids
// are compared as strings; names are accepted but survive no rename.
const githubPolicy = {
  repositoryIds: ids.optional(),
  repositoryOwnerIds: ids.optional(),
  repositories: globs.optional(),
  refs: globs.optional(),
  environments: globs.optional(),
  events: globs.optional(),
  jobWorkflowRefs: globs.optional(),
  runnerEnvironments: globs.optional(),
};
const LOOPBACK = /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/.*)?$/;
const github = z
  .strictObject({
    issuer: z
      .string()
      .refine((u) => /^https:\/\/[^/]+(\/.*)?$/.test(u) || LOOPBACK.test(u), {
        message: "expected an https URL (http only on loopback)",
      })
      .transform((u) => u.replace(/\/$/, ""))
      .default("https://token.actions.githubusercontent.com"),
    ...githubPolicy,
  })
  .refine((p) => p.repositoryIds || p.repositoryOwnerIds || p.repositories, {
    message:
      "name the repositories that may deploy: repositoryIds (best), repositoryOwnerIds or repositories; without one, every GitHub repository could",
  });

const legacy = z.strictObject({
  users: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        passwordHash: z
          .string()
          .regex(/^scrypt\$/, "expected a hash printed by: hotswap-receiver hash-password"),
      }),
    )
    .min(1),
});

// Only the proxy is built; socket activation (docs/design.md §3) comes later.
const gateMode = z
  .unknown()
  .transform((mode, ctx) => {
    if (mode === "proxy") return mode;
    ctx.addIssue({
      code: "custom",
      message:
        mode === "socket"
          ? "socket is not built yet; only proxy works for now"
          : expected('"proxy"', mode),
    });
    return z.NEVER;
  })
  .default("proxy");

// The app's public port and how it treats clients and servers (gate/gate.ts).
const gateObject = z.strictObject(
  {
    listen: address("0.0.0.0"),
    mode: gateMode,
    /** The whole request head must arrive within this. */
    headersTimeout: durationAtLeast(100).default(20_000),
    /** Longest pause in a request body. */
    bodyIdleTimeout: durationAtLeast(100).default(30_000),
    /** Bytes per second a body must keep up over each bodyIdleTimeout; 0 = off. */
    bodyMinRate: size.default(1024),
    /** A server owing a first byte this long leaves rotation until its health check answers. */
    stallTimeout: durationAtLeast(100).default(2_000),
  },
  { error: (issue) => expected(`${ADDRESS} or {listen, mode, …}`, issue.input) },
);

// `gate: 0.0.0.0:8080` is short for `gate: {listen: 0.0.0.0:8080}`; a bad short form
// is reported at `gate`, where the user wrote it.
const gate = z
  .preprocess((v, ctx) => {
    if (typeof v !== "string" && typeof v !== "number") return v;
    if (parseAddress(v, "0.0.0.0")) return { listen: v };
    ctx.addIssue({ code: "custom", message: expected(ADDRESS, v) });
    return z.NEVER;
  }, gateObject)
  .transform(({ listen, mode, ...g }) => ({
    host: listen.host,
    port: listen.port,
    mode,
    headersTimeoutMs: g.headersTimeout,
    bodyIdleTimeoutMs: g.bodyIdleTimeout,
    bodyMinRate: g.bodyMinRate,
    stallTimeoutMs: g.stallTimeout,
  }));

// A peer whose X-Forwarded-* headers are believed: an address or a CIDR block.
const proxy = z.unknown().transform((v, ctx) => {
  if (typeof v === "string" && parseCidr(v)) return v.trim();
  ctx.addIssue({ code: "custom", message: expected("an IP address or CIDR like 10.0.0.0/8", v) });
  return z.NEVER;
});

const app = z.strictObject({
  /** Web Connection's web.config or wc.ini to read ExeFile and UpdateFile from. */
  from: z.string().min(1).optional(),
  exeFile: z.string().min(1).optional(),
  updateFile: z.string().min(1).optional(),
  /** The seed's own links (UploadExe.wc, UpdateExe.wc, …) with Basic auth. */
  legacy: legacy.optional(),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.union([z.string(), z.number()]).transform(String)).default({}),
  instances: count(1, 64).default(1),
  gate,
  /**
   * hold: stop the servers, swap, start them while requests wait at the gate.
   * overlap: start the new servers beside the old ones and switch when they are healthy.
   */
  strategy: z.enum(["hold", "overlap"]).default("hold"),
  health: z
    .strictObject({
      path: z.string().startsWith("/", "expected a path starting with /").optional(),
      timeout: duration.default(30_000),
      settle: duration.default(0),
    })
    .default({ timeout: 30_000, settle: 0 }),
  // hold.timeout must outlast drainTimeout + health.timeout (check-config.ts).
  drainTimeout: duration.default(10_000),
  stopTimeout: duration.default(10_000),
  hold: z
    .strictObject({
      timeout: duration.default(60_000),
      maxRequests: count(0, 1_000_000).default(1000),
    })
    .default({ timeout: 60_000, maxRequests: 1000 }),
  keepReleases: count(1, 100).default(5),
  versionCommand: z.array(z.string()).min(1).optional(),
  maxUploadSize: size.default(2 * 1024 ** 3),
  auth: z
    .strictObject({
      keys: z.array(z.string()).min(1).optional(),
      github: z.strictObject(githubPolicy).optional(),
    })
    .optional(),
});

const admin = z.strictObject({
  passwordHash: z
    .string()
    .regex(
      /^scrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+$/,
      "expected a hash printed by: hotswap-receiver hash-password",
    ),
  sessionTtl: duration.default(12 * 3_600_000),
});

export const configSchema = z.strictObject({
  listen: address("127.0.0.1").default({ host: "127.0.0.1", port: 8787 }),
  audience: z.string().url("expected the receiver's public URL, like https://deploy.example.com"),
  data: z.string().default("./.hotswap"),
  /** Serve the API (and admin page) over HTTPS itself, when nothing terminates TLS in front. */
  tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
  /** GET /metrics in the Prometheus text format, on the API's listener. */
  metrics: z.boolean().default(true),
  uploadIdleTimeout: duration.default(60_000),
  uploadMinRate: size.default(1024),
  /** Peers (proxies in front of the gates) whose X-Forwarded-* headers are believed. */
  trustProxy: z.array(proxy, { error: "expected a list like [127.0.0.1, 10.0.0.0/8]" }).default([]),
  auth: z.strictObject({
    keys: z.array(key).default([]),
    github: github.optional(),
    maxFailuresPerMinute: count(0, 1_000_000).default(30),
  }),
  admin: admin.optional(),
  apps: z.record(z.string().regex(APP_NAME, "app names are letters, digits, . _ - (1 to 64)"), app),
});

export type RawConfig = z.output<typeof configSchema>;
export type RawApp = z.output<typeof app>;

export type GithubPolicy = { [K in keyof typeof githubPolicy]?: string[] };
export type GithubConfig = z.output<typeof github>;

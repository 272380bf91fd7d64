// The bundled receiver CLI run as an admin runs it: `node dist/receiver/cli.mjs …`.
// Usage, the helper commands, and bad configs that must stop it before anything starts.
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import {
  access,
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { verifyPassword } from "../../receiver/auth/password-hash.js";
import { loadKeys } from "../../receiver/auth/load-keys.js";
import { loadConfig } from "../../receiver/config/load-config.js";
import { freePort, isFree, occupy } from "../helpers/ports.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { CLI, lines, runCli } from "./run-cli.js";

const SECRET = "0123456789abcdef0123456789abcdef";
const HELP_HINT = "See: hotswap-receiver --help";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hotswap-cli-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe("usage", () => {
  it.each(["--help", "-h"])("%s lists the commands and options, exit 0", async (flag) => {
    const run = await runCli([flag]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    for (const word of ["init", "keygen", "hash-password", "--config", "--force", "--ed25519"])
      expect(run.stdout).toContain(word);
  });

  it.each(["--version", "-v"])("%s prints package.json's version", async (flag) => {
    const pkg = JSON.parse(await readFile("package.json", "utf8")) as { version: string };
    const run = await runCli([flag]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${pkg.version}\n`);
  });

  it.each([
    [["frobnicate"], /unknown command "frobnicate"/],
    [["--frobnicate"], /--frobnicate/],
    [["keygen", "extra"], /unexpected argument "extra"/],
    [["keygen", "--ed25519", "--es256"], /--ed25519.*--es256/],
  ])("%j exits 2 and points at --help", async (args, reason) => {
    const run = await runCli(args, { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(reason);
    expect(lines(run.stderr).at(-1)).toBe(HELP_HINT);
  });
});

describe("a bad config: one line naming file and key, exit 2, nothing started", () => {
  const ENV_NAME = "HOTSWAP_TEST_SURELY_NOT_SET";

  interface Doc {
    listen: string;
    audience?: string;
    data: string;
    auth: { keys: Record<string, string>[] };
    apps: Record<string, Record<string, unknown>>;
  }

  interface Case {
    /** Changes the good config into the bad one; a string replaces the whole text. */
    edit?: (doc: Doc) => Doc | string;
    /** Don't write the file at all. */
    absent?: boolean;
    /** The config key the line must name; absent for mistakes of the whole file. */
    key?: string;
    /** The line of the file the message must point at, found as the first line holding this. */
    at?: string;
    reason: RegExp;
    /** What follows the message: the offending line and a caret under it (YAML syntax). */
    excerpt?: string[];
    /** Made before the run (in the config's folder); must be just as it was after. */
    folder?: string;
  }

  const app = (doc: Doc) => doc.apps.webdemo!;
  const cases: [string, Case][] = [
    [
      "a missing file",
      { absent: true, reason: /no such file \(make one with: node \S+cli\.mjs init -c \S+\)/ },
    ],
    [
      "invalid YAML",
      {
        edit: (d) => stringify(d).replace("    updateFile:", "   updateFile:"),
        at: "   updateFile:",
        reason:
          /not valid YAML: All mapping items must start at the same column; the keys of one block must start at the same column/,
        excerpt: [/^ {2}\d+ \| {4}updateFile: /.source, /^ +\| {4}\^$/.source],
      },
    ],
    [
      "env: { PORT: {port} }",
      {
        edit: (d) => `${stringify(d)}    env: { PORT: {port} }\n`,
        key: "apps.webdemo.env.PORT",
        at: "PORT: {port}",
        reason: /YAML reads \{port\} as a mapping, not text: quote it, like PORT: "\{port\}"/,
      },
    ],
    [
      "an exeFile that is a folder",
      {
        folder: "deploy/webdemo",
        key: "apps.webdemo.exeFile",
        at: "exeFile:",
        reason: /deploy\/webdemo is a folder, not a file: .*use dir: and exe: instead/,
      },
    ],
    [
      "an unknown key",
      {
        edit: (d) => {
          const { instances, ...rest } = app(d);
          d.apps.webdemo = { ...rest, instnces: instances };
          return d;
        },
        key: "apps.webdemo.instnces",
        at: "instnces:",
        reason: /unknown key/,
      },
    ],
    [
      'instances: "two"',
      {
        edit: (d) => ((app(d).instances = "two"), d),
        key: "apps.webdemo.instances",
        at: "instances:",
        reason: /whole number/,
      },
    ],
    [
      "a missing audience",
      { edit: (d) => (delete d.audience, d), key: "audience", reason: /missing/ },
    ],
    [
      "a bad duration",
      {
        edit: (d) => ((app(d).drainTimeout = "30 parsecs"), d),
        key: "apps.webdemo.drainTimeout",
        at: "drainTimeout:",
        reason: /"30 parsecs"/,
      },
    ],
    [
      "a secret shorter than 32 bytes",
      {
        edit: (d) => ((d.auth.keys[0]!.secret = "too-short-a-secret"), d),
        key: "auth.keys[0].secret",
        at: "secret:",
        reason: /32 bytes.*keygen/,
      },
    ],
    [
      "an environment variable that is not set",
      {
        edit: (d) => ((d.auth.keys[0]!.secret = `\${${ENV_NAME}}`), d),
        key: "auth.keys[0].secret",
        reason: new RegExp(`${ENV_NAME} is not set`),
      },
    ],
    [
      "a bad gate address",
      {
        edit: (d) => ((app(d).gate = "gate.example.com:eighty"), d),
        key: "apps.webdemo.gate",
        reason: /host:port/,
      },
    ],
    [
      "a hold.timeout no longer than drainTimeout + health.timeout",
      {
        edit: (d) => {
          Object.assign(app(d), {
            drainTimeout: "30s",
            health: { timeout: "30s" },
            hold: { timeout: "60s" },
          });
          return d;
        },
        key: "apps.webdemo.hold.timeout",
        at: "timeout: 60s",
        reason:
          /: must be longer than drainTimeout \+ health\.timeout \(30s \+ 30s = 60s\): a bad build must roll back before held requests time out$/,
      },
    ],
    [
      "gate mode socket with a watch",
      {
        edit: (d) => (
          (app(d).gate = { listen: app(d).gate, mode: "socket" }),
          (app(d).watch = {}),
          d
        ),
        key: "apps.webdemo.watch",
        reason: /needs gate mode proxy: in socket mode no request passes the receiver/,
      },
    ],
    [
      "a bad trustProxy entry",
      {
        edit: (d) => ({ ...d, trustProxy: ["127.0.0.1", "10.0.0.0/33"] }),
        key: "trustProxy[1]",
        at: "- 10.0.0.0/33",
        reason: /expected an IP address or CIDR like 10\.0\.0\.0\/8, got "10\.0\.0\.0\/33"/,
      },
    ],
    [
      "an app name with a slash",
      {
        edit: (d) => ((d.apps = { "web/demo": app(d) }), d),
        key: "apps.web/demo",
        at: "web/demo:",
        reason: /letters, digits/,
      },
    ],
    [
      "a publicKey file that is missing",
      {
        edit: (d) => ((d.auth.keys = [{ id: "bot", publicKey: "./keys/bot.pub.pem" }]), d),
        key: "auth.keys[0].publicKey",
        at: "publicKey:",
        reason: /bot\.pub\.pem/,
      },
    ],
  ];

  it.each(cases)("%s", async (_, c) => {
    const apiPort = await freePort();
    const gatePort = await freePort();
    const file = join(dir, "hotswap.yaml");
    if (!c.absent) {
      const good: Doc = {
        listen: `127.0.0.1:${apiPort}`,
        audience: "https://deploy.test",
        data: "./.hotswap",
        auth: { keys: [{ id: "ci", secret: SECRET }] },
        apps: {
          webdemo: {
            exeFile: "./deploy/webdemo",
            updateFile: "./deploy/webdemo_update",
            instances: 1,
            gate: `127.0.0.1:${gatePort}`,
          },
        },
      };
      const bad = c.edit ? c.edit(good) : good;
      await writeFile(file, typeof bad === "string" ? bad : stringify(bad));
    }
    if (c.folder) await mkdir(join(dir, c.folder), { recursive: true });
    const run = await runCli(["--config", file], { env: { [ENV_NAME]: undefined } });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    const said = lines(run.stderr);
    expect(said).toHaveLength(1 + (c.excerpt?.length ?? 0));
    const line = said[0]!;
    expect(line).toContain(file);
    // file:line:col where the YAML has the key; the file alone where it has none.
    const where = c.at ? `${file}:\\d+:\\d+` : `${file}(?::\\d+:\\d+)?`;
    if (c.key) expect(line).toMatch(new RegExp(`^hotswap-receiver: ${where}: ${escape(c.key)}: `));
    else expect(line).toMatch(new RegExp(`^hotswap-receiver: ${where}: `));
    if (c.at) {
      const lineNo =
        (await readFile(file, "utf8")).split("\n").findIndex((l) => l.includes(c.at!)) + 1;
      expect(line).toContain(`${file}:${lineNo}:`);
    }
    expect(line).toMatch(c.reason);
    c.excerpt?.forEach((re, i) => expect(said[1 + i]).toMatch(new RegExp(re)));
    if (c.folder) expect(await readdir(join(dir, c.folder))).toEqual([]);
    // Nothing started: no port taken, no data folder made.
    expect(await isFree(gatePort)).toBe(true);
    expect(await isFree(apiPort)).toBe(true);
    expect(await exists(join(dir, ".hotswap"))).toBe(false);
  });

  it("exits 2 for the default hotswap.yaml when there is none, naming the init to run as it was started", async () => {
    const run = await runCli([], { cwd: dir });
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toEqual([
      `hotswap-receiver: ${join(dir, "hotswap.yaml")}: no such file (make one with: node ${CLI} init)`,
    ]);
    const other = await runCli(["-c", "other.yaml"], { cwd: dir });
    expect(lines(other.stderr)).toEqual([
      `hotswap-receiver: ${join(dir, "other.yaml")}: no such file (make one with: node ${CLI} init -c other.yaml)`,
    ]);
  });
});

describe("a gate port that another program holds", () => {
  let held: Awaited<ReturnType<typeof occupy>> | undefined;
  afterEach(() => held?.release());

  async function runWithBusyGate() {
    held = await occupy();
    const apiPort = await freePort();
    const file = join(dir, "hotswap.yaml");
    await writeFile(
      file,
      stringify({
        listen: `127.0.0.1:${apiPort}`,
        audience: "https://deploy.test",
        auth: { keys: [{ id: "ci", secret: SECRET }] },
        apps: {
          webdemo: {
            exeFile: "./deploy/webdemo",
            updateFile: "./deploy/webdemo_update",
            gate: `127.0.0.1:${held.port}`,
          },
        },
      }),
    );
    const run = await runCli(["--config", file]);
    return { run, apiPort, gatePort: held.port, file };
  }

  it("makes the receiver exit non-zero with a clear line and release the API port", async () => {
    const { run, apiPort, gatePort } = await runWithBusyGate();
    expect(run.signal).toBeNull(); // it exited by itself, not by the test's deadline
    expect(run.code).not.toBe(0);
    const last = lines(run.stderr).at(-1)!;
    expect(last).toMatch(/^hotswap-receiver: /);
    expect(last).toContain(`127.0.0.1:${gatePort}`);
    expect(last).toMatch(/EADDRINUSE|in use/);
    expect(await isFree(apiPort)).toBe(true);
  });

  // Like the API's own listen error, which names `listen` and the file.
  it("names the app's gate key and the config file in that line", async () => {
    const { run, file } = await runWithBusyGate();
    const last = lines(run.stderr).at(-1)!;
    expect(last).toContain("apps.webdemo.gate");
    expect(last).toContain(file);
  });
});

describe("the start log says who can reach each gate", () => {
  let rx: ReceiverProcess | undefined;
  afterEach(() => rx?.stop());

  it("a bare port: all interfaces, and the address that keeps it to this host", async () => {
    const [apiPort, open, local] = [await freePort(), await freePort(), await freePort()];
    const file = join(dir, "hotswap.yaml");
    const app = (name: string, gate: string | number) => ({
      [name]: { exeFile: `./deploy/${name}`, updateFile: `./deploy/${name}_update`, gate },
    });
    await writeFile(
      file,
      stringify({
        listen: `127.0.0.1:${apiPort}`,
        audience: "https://deploy.test",
        auth: { keys: [{ id: "ci", secret: SECRET }] },
        apps: { ...app("open", open), ...app("local", `127.0.0.1:${local}`) },
      }),
    );
    rx = await startReceiver(file);
    const log = rx.logs.join("\n");
    expect(log).toContain(
      `[open] gate listening on 0.0.0.0:${open} - all interfaces, reachable from other machines (gate: 127.0.0.1:${open} keeps it to this host)`,
    );
    expect(log).toContain(`[local] gate listening on 127.0.0.1:${local} - this host only`);
  });
});

describe("init", () => {
  const secretIn = (stdout: string) => /^\s+([A-Za-z0-9_-]{43})$/m.exec(stdout)?.[1];

  it("writes a 0600 starter config that loads, holding the secret it printed", async () => {
    const run = await runCli(["init", "--config", "hotswap.yaml"], { cwd: dir });
    expect(run.code).toBe(0);
    const file = join(dir, "hotswap.yaml");
    expect(run.stdout).toContain(file);
    expect(await modeOf(file)).toBe(0o600);
    const secret = secretIn(run.stdout);
    expect(secret).toBeDefined();
    const config = loadConfig(file, {});
    expect(config.auth.keys).toEqual([{ id: "ci", secret }]);
    expect([...config.apps.keys()]).toEqual(["webdemo"]);
    // Timeouts that keep the rule: a bad build rolls back before held requests time out.
    const app = config.apps.get("webdemo")!;
    expect(app.hold.timeout).toBe(60_000);
    expect(app.drainTimeoutMs).toBe(10_000);
    expect(app.health.timeout).toBe(30_000);
    expect(config.trustProxy).toEqual([]);
  });

  it("documents the gate's long form and trustProxy in comments that load as written", async () => {
    const run = await runCli(["init", "--config", "hotswap.yaml"], { cwd: dir });
    expect(run.code).toBe(0);
    const file = join(dir, "hotswap.yaml");
    const text = await readFile(file, "utf8");
    // What a user does: drop the short gate line, uncomment the long form and trustProxy.
    const GATE_KEYS =
      /^ {4}# {3}((?:listen|mode|headersTimeout|bodyIdleTimeout|bodyMinRate|stallTimeout):)/gm;
    const edited = text
      .replace(/^ {4}gate: 0\.0\.0\.0:8080 .*\n/m, "")
      .replace(/^ {4}# gate:/m, "    gate:")
      .replace(GATE_KEYS, "      $1")
      .replace(/^# trustProxy:/m, "trustProxy:");
    expect(edited).not.toBe(text);
    await writeFile(file, edited);
    const config = loadConfig(file, {});
    expect(config.trustProxy).toEqual(["127.0.0.1", "::1", "10.0.0.0/8"]);
    expect(config.apps.get("webdemo")!.gate).toEqual({
      host: "0.0.0.0",
      port: 8080,
      mode: "proxy",
      headersTimeoutMs: 20_000,
      bodyIdleTimeoutMs: 30_000,
      bodyMinRate: 1024,
      stallTimeoutMs: 2_000,
    });
  });

  it("refuses to overwrite without --force, naming the file; --force overwrites", async () => {
    const file = join(dir, "hotswap.yaml");
    const first = await runCli(["init", "--config", file]);
    expect(first.code).toBe(0);
    const before = await readFile(file, "utf8");

    const again = await runCli(["init", "--config", file]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain(file);
    expect(again.stderr).toContain("--force");
    expect(await readFile(file, "utf8")).toBe(before);

    const forced = await runCli(["init", "--config", file, "--force"]);
    expect(forced.code).toBe(0);
    const secret = secretIn(forced.stdout)!;
    expect(secret).not.toBe(secretIn(first.stdout));
    expect(loadConfig(file, {}).auth.keys[0]!.secret).toBe(secret);
    expect(await modeOf(file)).toBe(0o600);
  });

  it("--force over a world-readable file leaves it readable by its owner only", async () => {
    const file = join(dir, "hotswap.yaml");
    await writeFile(file, "# an old config\n");
    await chmod(file, 0o644);
    const run = await runCli(["init", "--config", file, "--force"]);
    expect(run.code).toBe(0);
    expect(await readFile(file, "utf8")).toContain(secretIn(run.stdout)!);
    expect(await modeOf(file)).toBe(0o600);
  });
});

describe("keygen", () => {
  const pem = (text: string, label: string) =>
    new RegExp(`-----BEGIN ${label}-----\\n[A-Za-z0-9+/=\\n]+-----END ${label}-----\\n`).exec(
      text,
    )?.[0];

  // A pair works when what the private half signs the public half verifies, and nothing else.
  function expectPair(privatePem: string, publicPem: string, type: string, digest?: string) {
    const privateKey = createPrivateKey(privatePem);
    const publicKey = createPublicKey(publicPem);
    expect(privateKey.asymmetricKeyType).toBe(type);
    expect(publicKey.asymmetricKeyType).toBe(type);
    const data = Buffer.from("hotswap");
    const signature = sign(digest ?? null, data, privateKey);
    expect(verify(digest ?? null, data, publicKey, signature)).toBe(true);
    expect(verify(digest ?? null, Buffer.from("hotswaP"), publicKey, signature)).toBe(false);
    return { privateKey, publicKey };
  }

  async function algAccepted(publicPem: string) {
    const pub = join(dir, "accepted.pub.pem");
    await writeFile(pub, publicPem);
    const file = join(dir, "keys.yaml");
    await writeFile(
      file,
      stringify({
        audience: "https://deploy.test",
        auth: { keys: [{ id: "bot", publicKey: "./accepted.pub.pem" }] },
        apps: {},
      }),
    );
    return loadKeys(loadConfig(file, {})).get("bot")!.alg;
  }

  it("prints a 43-character base64url HS256 secret, a fresh one each time", async () => {
    const a = await runCli(["keygen"]);
    const b = await runCli(["keygen"]);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    expect(Buffer.from(a.stdout.trim(), "base64url")).toHaveLength(32);
    expect(b.stdout).not.toBe(a.stdout);
  });

  it.each<[string, string, string | undefined, string, (k: KeyObject) => void]>([
    ["--ed25519", "ed25519", undefined, "EdDSA", () => {}],
    [
      "--es256",
      "ec",
      "sha256",
      "ES256",
      (k) => expect(k.asymmetricKeyDetails?.namedCurve).toBe("prime256v1"),
    ],
  ])(
    "%s prints a PKCS8 private and an SPKI public PEM that form a pair",
    async (flag, type, digest, alg, check) => {
      const run = await runCli(["keygen", flag]);
      expect(run.code).toBe(0);
      const privatePem = pem(run.stdout, "PRIVATE KEY");
      const publicPem = pem(run.stdout, "PUBLIC KEY");
      expect(privatePem).toBeDefined();
      expect(publicPem).toBeDefined();
      const { publicKey } = expectPair(privatePem!, publicPem!, type, digest);
      check(publicKey);
      expect(await algAccepted(publicPem!)).toBe(alg);
    },
  );

  it.each<[string, string, string | undefined]>([
    ["--ed25519", "ed25519", undefined],
    ["--es256", "ec", "sha256"],
  ])("%s --out NAME writes NAME.pem (0600) and NAME.pub.pem", async (flag, type, digest) => {
    const run = await runCli(["keygen", flag, "--out", "release-bot"], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain("PRIVATE KEY");
    const privateFile = join(dir, "release-bot.pem");
    const publicFile = join(dir, "release-bot.pub.pem");
    expect(await modeOf(privateFile)).toBe(0o600);
    const privatePem = await readFile(privateFile, "utf8");
    const publicPem = await readFile(publicFile, "utf8");
    expect(privatePem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(publicPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expectPair(privatePem, publicPem, type, digest);
  });
});

describe("hash-password", () => {
  it("hashes the password read from standard input", async () => {
    const run = await runCli(["hash-password"], { input: "correct horse battery\n" });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+\n$/);
    const hash = run.stdout.trim();
    expect(await verifyPassword("correct horse battery", hash)).toBe(true);
    expect(await verifyPassword("correct horse batter", hash)).toBe(false);
    expect(await verifyPassword("Correct horse battery", hash)).toBe(false);
  });

  it("refuses an empty standard input with a clear message", async () => {
    const run = await runCli(["hash-password"], { input: "" });
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe("");
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(/empty password/);
  });
});

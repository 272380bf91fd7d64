// loadConfig on real files: defaults, ${ENV} expansion, paths resolved from the
// config file's folder, and one ConfigError naming file and key for each mistake.
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { checkSocketMode } from "../../receiver/config/check-config.js";
import { ConfigError } from "../../receiver/config/config-error.js";
import { loadConfig } from "../../receiver/config/load-config.js";

const SECRET = "0123456789abcdef0123456789abcdef";

/** What `gate:` comes to when only its address is given. */
const GATE_DEFAULTS = {
  mode: "proxy",
  headersTimeoutMs: 20_000,
  bodyIdleTimeoutMs: 30_000,
  bodyMinRate: 1024,
  stallTimeoutMs: 2_000,
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hotswap-config-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const minimalApp = {
  exeFile: "./deploy/webdemo",
  updateFile: "./deploy/webdemo_update",
  gate: 8080,
};

async function write(doc: unknown, name = "hotswap.yaml", folder = dir): Promise<string> {
  const file = join(folder, name);
  await writeFile(file, typeof doc === "string" ? doc : stringify(doc));
  return file;
}

function minimal(overrides: Record<string, unknown> = {}, app: Record<string, unknown> = {}) {
  return {
    audience: "https://deploy.test",
    auth: { keys: [{ id: "ci", secret: SECRET }] },
    apps: { webdemo: { ...minimalApp, ...app } },
    ...overrides,
  };
}

/**
 * The one line `file:line:col: key: reason`, at a line of the file that holds the key
 * (or, for a missing key, the key above it).
 */
function expectAtLine(error: ConfigError, file: string, key: string): void {
  expect(error.place, error.message).toBeDefined();
  const { line, col } = error.place!;
  expect(error.message).toBe(`${file}:${line}:${col}: ${key}: ${error.reason}`);
  expect(error.message).not.toContain("\n");
  const written = readFileSync(file, "utf8").split("\n")[line - 1]!;
  const names = key.split(/[.[\]]/).filter((n) => n && !/^\d+$/.test(n));
  expect(names.some((n) => written.includes(n)) || written.trim().startsWith("-"), written).toBe(
    true,
  );
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("defaults", () => {
  it("fills in every key the user left out", async () => {
    const config = loadConfig(await write(minimal()), {});
    expect(config.listen).toEqual({ host: "127.0.0.1", port: 8787 });
    expect(config.data).toBe(join(dir, ".hotswap"));
    expect(config.uploadIdleTimeoutMs).toBe(60_000);
    expect(config.trustProxy).toEqual([]);
    const app = config.apps.get("webdemo")!;
    expect(app.name).toBe("webdemo");
    expect(app.instances).toBe(1);
    expect(app.args).toEqual([]);
    expect(app.env).toEqual({});
    expect(app.health.timeout).toBe(30_000);
    expect(app.health.path).toBeUndefined();
    expect(app.hold).toEqual({ timeout: 60_000, maxRequests: 1000 });
    expect(app.drainTimeoutMs).toBe(10_000);
    expect(app.gate).toEqual({ host: "0.0.0.0", port: 8080, ...GATE_DEFAULTS });
    expect(app.stopTimeoutMs).toBe(10_000);
    expect(app.keepReleases).toBe(5);
    expect(app.maxUploadSize).toBe(2 * 1024 ** 3);
    expect(app.versionCommand).toBeUndefined();
    expect(app.auth).toBeUndefined();
  });

  it("defaults the keys inside a block the user did write", async () => {
    const config = loadConfig(
      await write(minimal({}, { health: { path: "/health" }, hold: { maxRequests: 5 } })),
      {},
    );
    const app = config.apps.get("webdemo")!;
    expect(app.health).toEqual({ path: "/health", timeout: 30_000, settle: 0 });
    expect(app.hold).toEqual({ timeout: 60_000, maxRequests: 5 });
  });

  it("reads hooks as lists of argv commands: a string is a program, a list one with arguments", async () => {
    const hooks = { beforeSwap: ["bin/migrate", ["bin/warm", "--fast"]], timeout: "90s" };
    const app = loadConfig(await write(minimal({}, { hooks })), {}).apps.get("webdemo")!;
    expect(app.hooks).toEqual({
      beforeSwap: [["bin/migrate"], ["bin/warm", "--fast"]],
      afterRelease: [],
      timeout: 90_000,
    });
    const none = loadConfig(await write(minimal()), {}).apps.get("webdemo")!;
    expect(none.hooks).toEqual({ beforeSwap: [], afterRelease: [], timeout: 300_000 });
  });

  it("maps a folder app onto current and staged links under dir, with its limits", async () => {
    const app = loadConfig(
      await write(
        minimal(
          {},
          {
            exeFile: undefined,
            updateFile: undefined,
            dir: "./srv/shop",
            exe: "bin/server",
            maxUploadSize: "1MiB",
          },
        ),
      ),
      {},
    ).apps.get("webdemo")!;
    expect(app.exeFile).toBe(join(dir, "srv", "shop", "current"));
    expect(app.updateFile).toBe(join(dir, "srv", "shop", "staged"));
    expect(app.folder).toEqual({
      dir: join(dir, "srv", "shop"),
      releases: join(dir, "srv", "shop", "releases"),
      exe: join("bin", "server"),
      maxUnpackedBytes: 4 * 1024 * 1024,
      maxFiles: 100_000,
    });
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    [
      "dir with exeFile",
      { dir: "./srv", exe: "bin/server", updateFile: undefined },
      "apps.webdemo.exeFile",
      /folder app \(dir:\) has no exeFile/,
    ],
    [
      "exe without dir",
      { exe: "bin/server", exeFile: undefined, updateFile: undefined },
      "apps.webdemo.dir",
      /required key is missing/,
    ],
    [
      "dir without exe",
      { dir: "./srv", exeFile: undefined, updateFile: undefined },
      "apps.webdemo.exe",
      /the program inside a release/,
    ],
    [
      "an exe that climbs out",
      { dir: "./srv", exe: "../bin/server", exeFile: undefined, updateFile: undefined },
      "apps.webdemo.exe",
      /inside the release/,
    ],
    [
      "maxUnpackedSize on a single-file app",
      { maxUnpackedSize: "1GiB" },
      "apps.webdemo.maxUnpackedSize",
      /folder apps/,
    ],
  ])("refuses %s, naming the key", async (_, app, key, reason) => {
    const file = await write(minimal({}, app));
    const error = configError(() => loadConfig(file, {}));
    expect(error.key).toBe(key);
    expect(error.reason).toMatch(reason);
  });

  it("converts units and keeps the values the user wrote", async () => {
    const config = loadConfig(
      await write(
        minimal(
          { listen: "0.0.0.0:9000", uploadIdleTimeout: "2m" },
          {
            instances: 3,
            gate: "127.0.0.1:8081",
            health: { path: "/up", timeout: "500ms" },
            drainTimeout: "1.5s",
            stopTimeout: 2,
            hold: { timeout: "2m", maxRequests: 0 },
            keepReleases: 2,
            maxUploadSize: "10MiB",
            env: { PORT: "{port}", WORKERS: 4 },
          },
        ),
      ),
      {},
    );
    expect(config.listen).toEqual({ host: "0.0.0.0", port: 9000 });
    expect(config.uploadIdleTimeoutMs).toBe(120_000);
    const app = config.apps.get("webdemo")!;
    expect(app.instances).toBe(3);
    expect(app.gate).toEqual({ host: "127.0.0.1", port: 8081, ...GATE_DEFAULTS });
    expect(app.health).toEqual({ path: "/up", timeout: 500, settle: 0 });
    expect(app.drainTimeoutMs).toBe(1500);
    expect(app.stopTimeoutMs).toBe(2000);
    expect(app.hold).toEqual({ timeout: 120_000, maxRequests: 0 });
    expect(app.keepReleases).toBe(2);
    expect(app.maxUploadSize).toBe(10 * 1024 ** 2);
    expect(app.env).toEqual({ PORT: "{port}", WORKERS: "4" });
  });

  it("reads a bare gate port as that port on every interface", async () => {
    const app = loadConfig(await write(minimal({}, { gate: 8080 })), {}).apps.get("webdemo")!;
    expect(app.gate).toEqual({ host: "0.0.0.0", port: 8080, ...GATE_DEFAULTS });
  });
});

describe("gate: the short form and the object", () => {
  const gateOf = async (gate: unknown) =>
    loadConfig(await write(minimal({}, { gate })), {}).apps.get("webdemo")!.gate;

  it("reads `gate: host:port` as the object with only listen set", async () => {
    expect(await gateOf("127.0.0.1:8080")).toEqual(await gateOf({ listen: "127.0.0.1:8080" }));
    expect(await gateOf("[::1]:8080")).toEqual({ host: "::1", port: 8080, ...GATE_DEFAULTS });
  });

  it("converts the object's units and keeps host and port where the code reads them", async () => {
    const gate = await gateOf({
      listen: "0.0.0.0:9090",
      mode: "proxy",
      headersTimeout: "5s",
      bodyIdleTimeout: "1.5s",
      bodyMinRate: "4KiB",
      stallTimeout: "500ms",
    });
    expect(gate).toEqual({
      host: "0.0.0.0",
      port: 9090,
      mode: "proxy",
      headersTimeoutMs: 5000,
      bodyIdleTimeoutMs: 1500,
      bodyMinRate: 4096,
      stallTimeoutMs: 500,
    });
  });

  it("takes bodyMinRate 0 (off) and the 100ms floors", async () => {
    const gate = await gateOf({
      listen: 8080,
      bodyMinRate: 0,
      headersTimeout: "100ms",
      bodyIdleTimeout: "100ms",
      stallTimeout: "100ms",
    });
    expect(gate).toMatchObject({
      bodyMinRate: 0,
      headersTimeoutMs: 100,
      bodyIdleTimeoutMs: 100,
      stallTimeoutMs: 100,
    });
  });

  it("reads the long form written in YAML", async () => {
    const file = await write(
      [
        "audience: https://deploy.test",
        "auth: { keys: [{ id: ci, secret: " + SECRET + " }] }",
        "apps:",
        "  webdemo:",
        "    exeFile: ./deploy/webdemo",
        "    updateFile: ./deploy/webdemo_update",
        "    gate: {listen: 0.0.0.0:8080, mode: proxy, headersTimeout: 20s, bodyIdleTimeout: 30s, bodyMinRate: 1KiB, stallTimeout: 2s}",
        "",
      ].join("\n"),
    );
    const app = loadConfig(file, {}).apps.get("webdemo")!;
    expect(app.gate).toEqual({ host: "0.0.0.0", port: 8080, ...GATE_DEFAULTS });
  });
});

describe("trustProxy", () => {
  it("takes IPv4 and IPv6 addresses and CIDRs as written", async () => {
    const file = await write(
      [
        "audience: https://deploy.test",
        "auth: { keys: [{ id: ci, secret: " + SECRET + " }] }",
        "trustProxy: [127.0.0.1, 10.0.0.0/8, ::1, fd00::/8, ::ffff:192.168.0.0/112]",
        "apps: {}",
        "",
      ].join("\n"),
    );
    expect(loadConfig(file, {}).trustProxy).toEqual([
      "127.0.0.1",
      "10.0.0.0/8",
      "::1",
      "fd00::/8",
      "::ffff:192.168.0.0/112",
    ]);
  });
});

describe("watch and canary: judging a build by its traffic", () => {
  it("reads shares as percentages or fractions and fills in the defaults", async () => {
    const watch = { maxErrorRate: "0.5%" };
    const canary = { share: 0.25, for: "30s" };
    const app = loadConfig(
      await write(minimal({}, { strategy: "overlap", watch, canary })),
      {},
    ).apps.get("webdemo")!;
    expect(app.watch).toEqual({ for: 60_000, maxErrorRate: 0.005, minRequests: 20 });
    expect(app.canary).toEqual({ share: 0.25, for: 30_000 });
    const none = loadConfig(await write(minimal()), {}).apps.get("webdemo")!;
    expect(none.watch).toBeUndefined();
    expect(none.canary).toBeUndefined();
  });

  it.each([
    [
      { watch: { maxErrorRate: 2 } },
      "apps.webdemo.watch.maxErrorRate",
      'expected a share like "2%" (or 0.02), got 2',
    ],
    [
      { watch: { maxErrorRate: "2 percent" } },
      "apps.webdemo.watch.maxErrorRate",
      'expected a share like "2%" (or 0.02), got "2 percent"',
    ],
    [{ watch: { for: "10ms" } }, "apps.webdemo.watch.for", "must be at least 500ms, got 10ms"],
    [{ watch: { minRequests: 0 } }, "apps.webdemo.watch.minRequests", ""],
    [{ watch: { forr: "1m" } }, "apps.webdemo.watch.forr", "unknown"],
    [
      { strategy: "overlap", canary: { share: "100%" } },
      "apps.webdemo.canary.share",
      "must be more than 0% and less than 100%, got 100%",
    ],
    [{ strategy: "overlap", canary: { share: "0%" } }, "apps.webdemo.canary.share", "got 0%"],
  ])("refuses %j, naming the key", async (app, key, reason) => {
    const file = await write(minimal({}, app));
    const error = configError(() => loadConfig(file, {}));
    expect(error.key).toBe(key);
    expect(error.reason).toContain(reason);
  });

  it("refuses a canary without strategy overlap, saying why and what to use instead", async () => {
    const file = await write(minimal({}, { canary: { share: "10%" } }));
    const error = configError(() => loadConfig(file, {}));
    expect(error.key).toBe("apps.webdemo.canary");
    expect(error.reason).toBe(
      "needs strategy: overlap (the old servers answer the rest of the traffic while the new ones are judged); use watch: with strategy hold",
    );
  });
});

describe("the hold outlasts a rollback: hold.timeout > drainTimeout + health.timeout", () => {
  const timeouts = (drainTimeout: string, health: string, hold: string) => ({
    drainTimeout,
    health: { timeout: health },
    hold: { timeout: hold },
  });

  it("refuses a hold.timeout that is not longer, in one line naming the key and why", async () => {
    const file = await write(minimal({}, timeouts("30s", "30s", "60s")));
    const error = configError(() => loadConfig(file, {}));
    expectAtLine(error, file, "apps.webdemo.hold.timeout");
    expect(error.reason).toBe(
      `must be longer than drainTimeout + health.timeout (30s + 30s = 60s): a bad build must roll back before held requests time out`,
    );
  });

  it("refuses the old defaults' hold.timeout against the new drain and health defaults", async () => {
    const file = await write(minimal({}, { hold: { timeout: "40s" } }));
    const error = configError(() => loadConfig(file, {}));
    expect(error.key).toBe("apps.webdemo.hold.timeout");
    expect(error.reason).toContain("(10s + 30s = 40s)");
  });

  it("accepts one millisecond more", async () => {
    const file = await write(minimal({}, timeouts("1.5s", "500ms", "2001ms")));
    expect(loadConfig(file, {}).apps.get("webdemo")!.hold.timeout).toBe(2001);
  });

  it("names the app that breaks it", async () => {
    const doc = minimal();
    const other = {
      exeFile: "./deploy/other",
      updateFile: "./deploy/other_update",
      gate: 8081,
      ...timeouts("1s", "2s", "2s"),
    };
    const file = await write({ ...doc, apps: { ...doc.apps, other } });
    const error = configError(() => loadConfig(file, {}));
    expect(error.key).toBe("apps.other.hold.timeout");
    expect(error.reason).toContain("(1s + 2s = 3s)");
  });
});

describe("${ENV} expansion", () => {
  it("expands in strings, inside arrays and inside array items' objects", async () => {
    const file = await write(
      minimal(
        { auth: { keys: [{ id: "ci", secret: "${HS_SECRET}" }] } },
        {
          args: ["--token", "${APP_TOKEN}", "--mode=${MODE}-x"],
          env: { DB: "${DB_URL}" },
          versionCommand: ["${TOOL}", "--version"],
        },
      ),
    );
    const config = loadConfig(file, {
      HS_SECRET: SECRET,
      APP_TOKEN: "tok",
      MODE: "fast",
      DB_URL: "postgres://db/x",
      TOOL: "/usr/bin/tool",
    });
    expect(config.auth.keys[0]!.secret).toBe(SECRET);
    const app = config.apps.get("webdemo")!;
    expect(app.args).toEqual(["--token", "tok", "--mode=fast-x"]);
    expect(app.env).toEqual({ DB: "postgres://db/x" });
    expect(app.versionCommand).toEqual(["/usr/bin/tool", "--version"]);
  });

  it("keeps YAML-special characters of a secret as they are", async () => {
    const secret = `a: b # not a comment "q" 'q' {x: 1} [y, z] &anchor *ref !tag | > % @ \` \\n`;
    // Written the way a user writes it: an unquoted plain scalar.
    const file = await write(
      [
        "audience: https://deploy.test",
        "auth:",
        "  keys:",
        "    - id: ci",
        "      secret: ${HS_SECRET}",
        "apps:",
        "  webdemo:",
        "    exeFile: ./deploy/webdemo",
        "    updateFile: ./deploy/webdemo_update",
        "    gate: 127.0.0.1:8080",
        "",
      ].join("\n"),
    );
    const config = loadConfig(file, { HS_SECRET: secret });
    expect(config.auth.keys).toEqual([{ id: "ci", secret }]);
  });

  it("names the variable and the key when a variable is not set", async () => {
    const file = await write(minimal({}, { args: ["--token", "${NOT_SET}"] }));
    const error = configError(() => loadConfig(file, {}));
    expect(error.file).toBe(file);
    expect(error.key).toBe("apps.webdemo.args[1]");
    expect(error.message).toContain("NOT_SET");
    expect(error.message).toContain(file);
  });

  it("leaves text that only looks like a variable alone", async () => {
    const file = await write(minimal({}, { args: ["$HOME", "${lower-case}", "{port}"] }));
    expect(loadConfig(file, {}).apps.get("webdemo")!.args).toEqual([
      "$HOME",
      "${lower-case}",
      "{port}",
    ]);
  });
});

describe("relative paths", () => {
  it("resolve from the config file's folder, not the working directory", async () => {
    const sub = join(dir, "etc", "hotswap");
    await mkdir(sub, { recursive: true });
    const file = await write(
      minimal(
        {
          data: "../state",
          auth: { keys: [{ id: "bot", publicKey: "./keys/bot.pub.pem" }] },
        },
        { exeFile: "./deploy/webdemo", updateFile: "/abs/webdemo_update" },
      ),
      "hotswap.yaml",
      sub,
    );
    expect(process.cwd()).not.toBe(sub);
    const config = loadConfig(file, {});
    expect(config.file).toBe(file);
    expect(config.data).toBe(join(dir, "etc", "state"));
    expect(config.auth.keys[0]!.publicKey).toBe(join(sub, "keys", "bot.pub.pem"));
    const app = config.apps.get("webdemo")!;
    expect(app.exeFile).toBe(join(sub, "deploy", "webdemo"));
    expect(app.updateFile).toBe("/abs/webdemo_update");
  });
});

describe("gate mode socket", () => {
  it("loads with a health path, with either strategy", async () => {
    for (const strategy of ["hold", "overlap"]) {
      const file = await write(
        minimal({}, { gate: { listen: 8080, mode: "socket" }, health: { path: "/h" }, strategy }),
      );
      expect(loadConfig(file, {}).apps.get("webdemo")!.gate).toMatchObject({
        mode: "socket",
        port: 8080,
      });
    }
  });

  it("is refused on Windows, naming the key and what to use", async () => {
    const file = await write(
      minimal({}, { gate: { listen: 8080, mode: "socket" }, health: { path: "/h" } }),
    );
    const config = loadConfig(file, {});
    expect(() => checkSocketMode(config, "linux")).not.toThrow();
    const error = configError(() => checkSocketMode(config, "win32"));
    expect(error.key).toBe("apps.webdemo.gate.mode");
    expect(error.message).toMatch(/socket is not available on Windows .*; use proxy/);
  });
});

describe("servers managed elsewhere (commands:)", () => {
  const managed = {
    commands: { stop: ["systemctl", "stop", "web"], start: "bin/start-web" },
    upstream: "http://127.0.0.1:8081",
  };

  it("loads stop and start as argv lists, upstream as an origin, health.url from health.path", async () => {
    const file = await write(minimal({}, { ...managed, health: { path: "/up" } }));
    expect(loadConfig(file, {}).apps.get("webdemo")!.managed).toEqual({
      stop: ["systemctl", "stop", "web"],
      start: ["bin/start-web"],
      upstream: "http://127.0.0.1:8081",
      healthUrl: "http://127.0.0.1:8081/up",
    });
  });

  it("takes health.url over health.path, and keeps it elsewhere than upstream", async () => {
    const health = { url: "http://127.0.0.1:9000/ready?full=1", path: "/up" };
    const file = await write(minimal({}, { ...managed, health }));
    expect(loadConfig(file, {}).apps.get("webdemo")!.managed?.healthUrl).toBe(
      "http://127.0.0.1:9000/ready?full=1",
    );
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    [
      "commands without upstream",
      { commands: managed.commands },
      "upstream",
      /^required with commands/,
    ],
    [
      "upstream without commands",
      { upstream: managed.upstream },
      "upstream",
      /set commands: \{stop, start\} too/,
    ],
    [
      "health.url without commands",
      { health: { url: "http://127.0.0.1:1/h" } },
      "health.url",
      /use health\.path/,
    ],
    [
      "an https upstream",
      { ...managed, upstream: "https://127.0.0.1:8081" },
      "upstream",
      /an http:\/\/ URL like/,
    ],
    [
      "an upstream with a path",
      { ...managed, upstream: "http://127.0.0.1:8081/app" },
      "upstream",
      /without a path/,
    ],
    [
      "an upstream that is no URL",
      { ...managed, upstream: "localhost:8081" },
      "upstream",
      /an http:\/\/ URL/,
    ],
    [
      "a start that is not a command",
      { ...managed, commands: { stop: "x", start: 5 } },
      "commands.start",
      /a command like/,
    ],
    [
      "commands without start",
      { ...managed, commands: { stop: "x" } },
      "commands.start",
      /missing/,
    ],
    [
      "strategy overlap",
      { ...managed, strategy: "overlap" },
      "strategy",
      /must be hold with commands/,
    ],
    [
      "instances above 1",
      { ...managed, instances: 2 },
      "instances",
      /the service manager runs the service/,
    ],
    [
      "a stopPath",
      { ...managed, stopPath: "/quit" },
      "stopPath",
      /with commands: stop runs the stop command/,
    ],
    [
      "args",
      { ...managed, args: ["--port", "{port}"] },
      "args",
      /give the service's arguments to its manager/,
    ],
    [
      "gate mode socket",
      { ...managed, gate: { listen: 8080, mode: "socket" }, health: { path: "/h" } },
      "gate.mode",
      /must be proxy with commands/,
    ],
  ])("refuses %s, naming the key", async (_, app, key, reason) => {
    const file = await write(minimal({}, app));
    const error = configError(() => loadConfig(file, {}));
    expect(error.key).toBe(`apps.webdemo.${key}`);
    expect(error.reason).toMatch(reason);
  });

  it("refuses commands on a folder app", async () => {
    const folder = { dir: "./site", exe: "bin/server", gate: 8080, ...managed };
    const file = await write({ ...minimal(), apps: { webdemo: folder } });
    const error = configError(() => loadConfig(file, {}));
    expect(error.key).toMatch(/^apps\.webdemo\.(commands|upstream)$/);
    expect(error.reason).toMatch(/single-file apps/);
  });
});

describe("mistakes: one ConfigError naming the file and the key", () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>, string, RegExp]>([
    ["an unknown key", {}, { instnces: 2 }, "apps.webdemo.instnces", /unknown key/],
    ["a count given as words", {}, { instances: "two" }, "apps.webdemo.instances", /whole number/],
    ["too many instances", {}, { instances: 65 }, "apps.webdemo.instances", /64/],
    [
      "a bad duration",
      {},
      { drainTimeout: "30 parsecs" },
      "apps.webdemo.drainTimeout",
      /"30 parsecs"/,
    ],
    ["a bad size", {}, { maxUploadSize: "2 XB" }, "apps.webdemo.maxUploadSize", /size/],
    [
      "a publicUrl that is not http(s)",
      {},
      { publicUrl: "ftp://app.example.com" },
      "apps.webdemo.publicUrl",
      /^expected the app's public http\(s\) URL, like https:\/\/app\.example\.com, got "ftp:\/\/app\.example\.com"$/,
    ],
    ["a bad gate", {}, { gate: "nowhere" }, "apps.webdemo.gate", /host:port/],
    ["a gate of the wrong type", {}, { gate: true }, "apps.webdemo.gate", /host:port.*listen/],
    ["a gate object without listen", {}, { gate: {} }, "apps.webdemo.gate.listen", /missing/],
    [
      "a bad gate listen",
      {},
      { gate: { listen: "nowhere" } },
      "apps.webdemo.gate.listen",
      /host:port.*"nowhere"/,
    ],
    [
      "gate mode socket without a health path",
      {},
      { gate: { listen: 8080, mode: "socket" } },
      "apps.webdemo.health.path",
      /^is needed in socket mode: a TCP connect succeeds on the gate's socket while no server runs$/,
    ],
    [
      "gate mode socket with a watch",
      {},
      { gate: { listen: 8080, mode: "socket" }, health: { path: "/h" }, watch: { for: "1m" } },
      "apps.webdemo.watch",
      /^needs gate mode proxy: in socket mode no request passes the receiver/,
    ],
    [
      "gate mode socket with a canary",
      {},
      {
        gate: { listen: 8080, mode: "socket" },
        health: { path: "/h" },
        strategy: "overlap",
        canary: { share: "10%", for: "1m" },
      },
      "apps.webdemo.canary",
      /^needs gate mode proxy: in socket mode the receiver cannot split traffic$/,
    ],
    [
      "a stopPath in socket mode",
      {},
      { gate: { listen: 8080, mode: "socket" }, health: { path: "/h" }, stopPath: "/quit" },
      "apps.webdemo.stopPath",
      /^cannot be used in socket mode: every server accepts on the gate's port/,
    ],
    [
      "a stopPath without its slash",
      {},
      { stopPath: "quit" },
      "apps.webdemo.stopPath",
      /starting with \//,
    ],
    [
      "an unknown gate mode",
      {},
      { gate: { listen: 8080, mode: "tunnel" } },
      "apps.webdemo.gate.mode",
      /expected "proxy" or "socket", got "tunnel"/,
    ],
    [
      "an unknown gate key",
      {},
      { gate: { listen: 8080, stalTimeout: "2s" } },
      "apps.webdemo.gate.stalTimeout",
      /unknown key/,
    ],
    [
      "a stallTimeout below 100ms",
      {},
      { gate: { listen: 8080, stallTimeout: "50ms" } },
      "apps.webdemo.gate.stallTimeout",
      /^must be at least 100ms, got 50ms$/,
    ],
    [
      "a bodyIdleTimeout of 0",
      {},
      { gate: { listen: 8080, bodyIdleTimeout: 0 } },
      "apps.webdemo.gate.bodyIdleTimeout",
      /at least 100ms, got 0ms/,
    ],
    [
      "a headersTimeout below 100ms",
      {},
      { gate: { listen: 8080, headersTimeout: "10ms" } },
      "apps.webdemo.gate.headersTimeout",
      /at least 100ms/,
    ],
    [
      "a bad bodyMinRate",
      {},
      { gate: { listen: 8080, bodyMinRate: "fast" } },
      "apps.webdemo.gate.bodyMinRate",
      /size.*"fast"/,
    ],
    [
      "a CIDR prefix too long",
      { trustProxy: ["127.0.0.1", "10.0.0.0/33"] },
      {},
      "trustProxy[1]",
      /^expected an IP address or CIDR like 10\.0\.0\.0\/8, got "10\.0\.0\.0\/33"$/,
    ],
    [
      "a host name in trustProxy",
      { trustProxy: ["proxy.internal"] },
      {},
      "trustProxy[0]",
      /IP address or CIDR.*"proxy\.internal"/,
    ],
    [
      "an IPv6 prefix too long",
      { trustProxy: ["::1", "fd00::/129"] },
      {},
      "trustProxy[1]",
      /"fd00::\/129"/,
    ],
    ["trustProxy not a list", { trustProxy: "127.0.0.1" }, {}, "trustProxy", /a list/],
    [
      "a health path without /",
      {},
      { health: { path: "health" } },
      "apps.webdemo.health.path",
      /\//,
    ],
    ["an unknown top-level key", { lissen: "1" }, {}, "lissen", /unknown key/],
    ["a bad audience", { audience: "not a url" }, {}, "audience", /URL/],
    [
      "a short secret",
      { auth: { keys: [{ id: "ci", secret: "short" }] } },
      {},
      "auth.keys[0].secret",
      /32 bytes.*keygen/,
    ],
    [
      "a key with both secret and publicKey",
      { auth: { keys: [{ id: "ci", secret: SECRET, publicKey: "./k.pem" }] } },
      {},
      "auth.keys[0]",
      /exactly one/,
    ],
    [
      "a hook that is neither a command nor a list",
      {},
      { hooks: { beforeSwap: [42] } },
      "apps.webdemo.hooks.beforeSwap[0]",
      /bin\/migrate.*got 42/,
    ],
    [
      "an empty hook list entry",
      {},
      { hooks: { afterRelease: [[]] } },
      "apps.webdemo.hooks.afterRelease[0]",
      /./,
    ],
    [
      "auth.adminKeys naming a key that is not configured",
      { auth: { keys: [{ id: "ci", secret: SECRET }], adminKeys: ["ops"] } },
      {},
      "auth.adminKeys",
      /no key "ops" in auth\.keys/,
    ],
  ])("%s", async (_, top, app, key, reason) => {
    const file = await write(minimal(top, app));
    const error = configError(() => loadConfig(file, {}));
    expect(error.key).toBe(key);
    expect(error.reason).toMatch(reason);
    expectAtLine(error, file, key);
  });

  it("says a missing key is missing", async () => {
    const { audience: _, ...rest } = minimal();
    const file = await write(rest);
    const error = configError(() => loadConfig(file, {}));
    expect(error.key).toBe("audience");
    expect(error.reason).toMatch(/missing/);
  });

  it("does not call a wrongly typed key missing", async () => {
    const file = await write(minimal({}, { instances: "two", keepReleases: "5" }));
    const error = configError(() => loadConfig(file, {}));
    expect(error.key).toBe("apps.webdemo.instances");
    expect(error.reason).not.toMatch(/missing/);
  });

  it("explains what an app name may be", async () => {
    const file = await write({ ...minimal(), apps: { "web/demo": minimalApp } });
    const error = configError(() => loadConfig(file, {}));
    expect(error.key).toBe("apps.web/demo");
    expect(error.reason).toMatch(/letters, digits/);
  });

  it("reports a missing file with the way to make one", async () => {
    const file = join(dir, "absent.yaml");
    const error = configError(() => loadConfig(file, {}));
    expect(error.file).toBe(file);
    expect(error.message).toMatch(/no such file.*init/);
  });

  it("reports invalid YAML at its line and column, with that line, a caret and the fix", async () => {
    const file = await write(
      "audience: https://deploy.test\napps:\n  webdemo:\n    exeFile: ./a\n   updateFile: ./b\n",
    );
    const error = configError(() => loadConfig(file, {}));
    expect(error.place).toEqual({ line: 5, col: 4 });
    expect(error.message).toBe(
      `${file}:5:4: not valid YAML: All mapping items must start at the same column; the keys of one block must start at the same column, and a key's own block further right than the key (spaces only)`,
    );
    expect(error.excerpt?.split("\n")).toEqual(["  5 |    updateFile: ./b", "    |    ^"]);
  });

  it.each([
    ["a tab as indentation", "apps:\n\twebdemo: {}\n", 2, /spaces.*tabs/],
    ["a key set twice", "audience: a\naudience: b\n", 2, /already set above.*keep one/],
    ["a flow list left open", "trustProxy: [127.0.0.1\napps: {}\n", 2, /close each \[ and \{/],
  ])("reports %s at its line with the fix", async (_, text, line, fix) => {
    const file = await write(text);
    const error = configError(() => loadConfig(file, {}));
    expect(error.place?.line).toBe(line);
    expect(error.message).toMatch(new RegExp(`^${file}:${line}:\\d+: not valid YAML: `));
    expect(error.reason).toMatch(fix);
    expect(error.excerpt?.split("\n")[0]).toMatch(new RegExp(`^  ${line} \\| `));
  });

  it("refuses a document that is not a mapping", async () => {
    const file = await write("- just\n- a list\n");
    expect(configError(() => loadConfig(file, {})).message).toMatch(/mapping|object/);
  });
});

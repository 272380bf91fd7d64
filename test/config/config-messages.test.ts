// Issue 19's config messages, on real files loaded the way the receiver loads them:
// each names the file, the line (where YAML has one), the key and the fix, in a
// sentence — never zod's "Invalid input".
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../receiver/config/config-error.js";
import { loadKeys } from "../../receiver/auth/load-keys.js";
import { readTls } from "../../receiver/commands/open-listener.js";
import { loadConfig, withLine } from "../../receiver/config/load-config.js";

const SECRET = "0123456789abcdef0123456789abcdef";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hotswap-config-messages-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A config as a user writes it, with `app` lines (indented by 4) for the one app. */
async function write(app: string, top = ""): Promise<string> {
  const file = join(dir, "hotswap.yaml");
  const text = `audience: https://deploy.test
auth:
  keys:
    - { id: ci, secret: ${SECRET} }
${top}apps:
  webdemo:
    gate: 8080
${app
  .trim()
  .split("\n")
  .map((l) => `    ${l}`)
  .join("\n")}
`;
  // A key the caller sets replaces the one written above (audience, gate).
  const own = (key: string) => new RegExp(`^ *${key}:`, "m");
  const drop = [
    ...(own("audience").test(top) ? ["audience: https://deploy.test\n"] : []),
    ...(own("gate").test(app) ? ["    gate: 8080\n"] : []),
  ];
  await writeFile(
    file,
    drop.reduce((t, line) => t.replace(line, ""), text),
  );
  return file;
}

const FILES = "exeFile: ./deploy/webdemo\nupdateFile: ./deploy/webdemo_update";

function refusal(file: string): ConfigError {
  try {
    loadConfig(file, {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

/** The error is at the line where `written` stands in the file, naming `key`. */
function expectAt(error: ConfigError, file: string, key: string, written: string): void {
  const lines = readFileSync(file, "utf8").split("\n");
  const line = lines.findIndex((l) => l.includes(written)) + 1;
  expect(line, `"${written}" is in the file`).toBeGreaterThan(0);
  expect(error.key).toBe(key);
  expect(error.place?.line, error.message).toBe(line);
  expect(error.message).toBe(`${file}:${line}:${error.place!.col}: ${key}: ${error.reason}`);
  expect(error.reason).not.toMatch(/Invalid|Too (small|big)|Unrecognized/);
}

describe("YAML's traps: what YAML made of it, and the quotes that keep it as written", () => {
  it.each([
    [
      "{port} read as a mapping",
      `${FILES}\nenv: { PORT: {port} }`,
      "apps.webdemo.env.PORT",
      "PORT: {port}",
      'expected text or a number, got a mapping ({"port":null}) (YAML reads {port} as a mapping, not text: quote it, like PORT: "{port}")',
    ],
    [
      "[a] read as a list",
      `${FILES}\nenv:\n  NAMES: [a]`,
      "apps.webdemo.env.NAMES",
      "NAMES: [a]",
      'expected text or a number, got a list (["a"]) (YAML reads [a] as a list, not text: quote it, like NAMES: "[a]")',
    ],
    [
      "true read as a boolean",
      `${FILES}\nenv:\n  DEBUG: true`,
      "apps.webdemo.env.DEBUG",
      "DEBUG: true",
      'expected text or a number, got true (YAML reads true as true/false, not text: quote it, like DEBUG: "true")',
    ],
    [
      "a port read as a number in args",
      `${FILES}\nargs: [--port, 8080]`,
      "apps.webdemo.args[1]",
      "args: [--port, 8080]",
      'expected text, got 8080 (YAML reads 8080 as a number, not text: quote it, like "8080")',
    ],
    [
      "an empty value",
      "exeFile:\nupdateFile: ./deploy/webdemo_update",
      "apps.webdemo.exeFile",
      "exeFile:",
      "expected text, got an empty value (nothing is written after the colon: give a value, or leave the key out)",
    ],
    [
      "a version that YAML reads as a shorter number",
      `${FILES}\nenv:\n  VERSION: 1.10`,
      "apps.webdemo.env.VERSION",
      "VERSION: 1.10",
      'YAML reads 1.10 as the number 1.1, so the server would get "1.1": quote it to keep it as written, like VERSION: "1.10"',
    ],
    [
      "a leading zero YAML drops",
      `${FILES}\nenv: { SITE: 007 }`,
      "apps.webdemo.env.SITE",
      "SITE: 007",
      'YAML reads 007 as the number 7, so the server would get "7": quote it to keep it as written, like SITE: "007"',
    ],
  ])("%s", async (_, app, key, written, reason) => {
    const file = await write(app);
    const error = refusal(file);
    expectAt(error, file, key, written);
    expect(error.reason).toBe(reason);
  });

  it("keeps a number that reads back as written", async () => {
    const config = loadConfig(await write(`${FILES}\nenv: { PORT: 8080, RATIO: 0.5 }`), {});
    expect(config.apps.get("webdemo")!.env).toEqual({ PORT: "8080", RATIO: "0.5" });
  });

  it("quoted, {port} is the text the server's env gets", async () => {
    const config = loadConfig(await write(`${FILES}\nenv: { PORT: "{port}" }`), {});
    expect(config.apps.get("webdemo")!.env).toEqual({ PORT: "{port}" });
  });
});

describe("zod's wording becomes a sentence naming what was expected", () => {
  it.each([
    [
      "an unknown strategy",
      "strategy: blue",
      "apps.webdemo.strategy",
      "strategy: blue",
      'expected "hold" or "overlap", got "blue"',
    ],
    [
      "a boolean as text",
      "",
      "metrics",
      "metrics: yes",
      'expected true or false, got "yes"',
      "metrics: yes\n",
    ],
    [
      "an empty versionCommand",
      "versionCommand: []",
      "apps.webdemo.versionCommand",
      "versionCommand: []",
      "must have at least 1 entry",
    ],
    [
      "an empty exe path",
      'exeFile: ""',
      "apps.webdemo.exeFile",
      'exeFile: ""',
      "must not be empty",
    ],
    [
      "args not a list",
      "args: --port",
      "apps.webdemo.args",
      "args: --port",
      'expected a list, got "--port"',
    ],
    [
      "env not a mapping",
      "env: PORT=8080",
      "apps.webdemo.env",
      "env: PORT=8080",
      'expected a mapping of keys, got "PORT=8080"',
    ],
  ])("%s", async (_, app, key, written, reason, top = "") => {
    const file = await write(
      app.startsWith("exeFile") ? `${app}\nupdateFile: ./u` : `${FILES}\n${app}`,
      top,
    );
    const error = refusal(file);
    expectAt(error, file, key, written);
    expect(error.reason).toBe(reason);
  });

  it("names the line of a key refused after the schema (resolve-app, check-config)", async () => {
    const file = await write(`${FILES}\nmaxUnpackedSize: 1GiB`);
    const error = refusal(file);
    expectAt(error, file, "apps.webdemo.maxUnpackedSize", "maxUnpackedSize: 1GiB");
    expect(error.reason).toBe("is for folder apps (dir: and exe:) only");
  });

  it("points a missing key at the block it is missing from", async () => {
    const file = await write("updateFile: ./deploy/webdemo_update");
    const error = refusal(file);
    expectAt(error, file, "apps.webdemo.exeFile", "webdemo:");
    expect(error.reason).toBe("required key is missing");
  });

  it("finds an app whose name has dots in it", async () => {
    const file = join(dir, "hotswap.yaml");
    await writeFile(
      file,
      `audience: https://deploy.test\nauth: { keys: [{ id: ci, secret: ${SECRET} }] }\napps:\n  web.demo:\n    ${FILES.replace("\n", "\n    ")}\n    gate: 8080\n    instances: 0\n`,
    );
    const error = refusal(file);
    expectAt(error, file, "apps.web.demo.instances", "instances: 0");
  });
});

describe("paths of the wrong kind: the key, what it is, what to use", () => {
  it("refuses an exeFile that is a folder, suggesting dir: and exe:", async () => {
    await mkdir(join(dir, "deploy", "webdemo"), { recursive: true });
    const file = await write(FILES);
    const error = refusal(file);
    expectAt(error, file, "apps.webdemo.exeFile", "exeFile:");
    expect(error.reason).toBe(
      `${join(dir, "deploy", "webdemo")} is a folder, not a file: exeFile names the server's program file, like ./deploy/server; for a build that is a whole folder, use dir: and exe: instead (Folder apps in the README)`,
    );
  });

  it("refuses an updateFile that is a folder", async () => {
    await mkdir(join(dir, "deploy", "webdemo_update"), { recursive: true });
    const file = await write(FILES);
    const error = refusal(file);
    expectAt(error, file, "apps.webdemo.updateFile", "updateFile:");
    expect(error.reason).toMatch(
      /is a folder, not a file: updateFile names the file an upload is staged in/,
    );
  });

  it("refuses an exeFile whose folder would have to be made where a file is", async () => {
    await writeFile(join(dir, "deploy"), "a file, not a folder");
    const file = await write(FILES);
    const error = refusal(file);
    expectAt(error, file, "apps.webdemo.exeFile", "exeFile:");
    expect(error.reason).toBe(
      `${join(dir, "deploy", "webdemo")} cannot be made: ${join(dir, "deploy")} is a file, not a folder; fix the path or move that file`,
    );
  });

  it("refuses a folder app's dir that is a file, naming exeFile instead", async () => {
    await writeFile(join(dir, "site"), "");
    const file = await write("dir: ./site\nexe: bin/server");
    const error = refusal(file);
    expectAt(error, file, "apps.webdemo.dir", "dir: ./site");
    expect(error.reason).toMatch(
      /is a file, not a folder: dir: is the folder that holds releases\/.*exeFile: and updateFile:/,
    );
  });

  it("refuses a data that is a file", async () => {
    await writeFile(join(dir, "state"), "");
    const file = await write(FILES, "data: ./state\n");
    const error = refusal(file);
    expectAt(error, file, "data", "data: ./state");
    expect(error.reason).toMatch(/is a file, not a folder: data: is the folder/);
  });

  // Read after loading, by the receiver's start: withLine finds the key's line again,
  // as the command line and a reload do.
  it.each([
    ["auth.keys[0].publicKey", "publicKey: ./keys"],
    ["tls.cert", "cert: ./keys"],
  ])("refuses a %s that is a folder, at its line", async (key, written) => {
    await mkdir(join(dir, "keys"));
    const file = join(dir, "hotswap.yaml");
    await writeFile(
      file,
      `audience: https://deploy.test\ntls:\n  cert: ./keys\n  key: ./keys\nauth:\n  keys:\n    - id: bot\n      publicKey: ./keys\napps: {}\n`,
    );
    const config = loadConfig(file, {});
    const read = key === "tls.cert" ? () => readTls(config) : () => loadKeys(config);
    let error: ConfigError | undefined;
    try {
      read();
    } catch (e) {
      error = withLine(e as ConfigError);
    }
    expectAt(error!, file, key, written);
    expect(error!.reason).toBe(
      `cannot read ${join(dir, "keys")}: it is a folder, not a file: name the file inside it`,
    );
  });

  it("refuses a from: that is a folder, naming the key", async () => {
    await mkdir(join(dir, "wc"));
    const file = await write("from: ./wc");
    const error = refusal(file);
    expectAt(error, file, "apps.webdemo.from", "from: ./wc");
    expect(error.reason).toMatch(/is a folder, not a file/);
  });

  it("takes missing files and folders, which the receiver makes", async () => {
    expect(loadConfig(await write(FILES), {}).apps.get("webdemo")!.exeFile).toBe(
      join(dir, "deploy", "webdemo"),
    );
  });
});

// Every key of the reference given a value of the wrong shape: each refusal is a
// sentence (expected …, must …, unknown key …), never zod's own wording.
describe("no key answers a wrong value with zod's wording", () => {
  const top = [
    "listen",
    "audience",
    "data",
    "tls",
    "metrics",
    "uploadIdleTimeout",
    "uploadMinRate",
    "trustProxy",
    "admin",
  ];
  const app = [
    "from",
    "exeFile",
    "updateFile",
    "dir",
    "exe",
    "maxUnpackedSize",
    "maxFiles",
    "legacy",
    "args",
    "env",
    "instances",
    "commands",
    "upstream",
    "gate",
    "strategy",
    "health",
    "drainTimeout",
    "stopTimeout",
    "stopPath",
    "hold",
    "keepReleases",
    "publicUrl",
    "hooks",
    "watch",
    "canary",
    "versionCommand",
    "maxUploadSize",
    "auth",
  ];
  const wrong = ["{ a: {b: c} }", "[x, [y]]", "true", "", "-12.5"];
  const cases = [
    ...top.flatMap((k) => wrong.map((v) => ({ key: k, line: `${k}: ${v}`, inApp: false }))),
    ...app.flatMap((k) => wrong.map((v) => ({ key: k, line: `${k}: ${v}`, inApp: true }))),
  ];

  it.each(cases)("$line at $key", async ({ key, line, inApp }) => {
    const file = inApp
      ? await write(`${FILES}\n${line}`.replace(new RegExp(`^${key}: .*\\n`, "m"), ""))
      : await write(FILES, `${line}\n`);
    let error: unknown;
    try {
      loadConfig(file, {});
    } catch (e) {
      error = e;
    }
    if (error === undefined) return; // this key takes the value (metrics: true, a number as seconds)
    expect(error).toBeInstanceOf(ConfigError);
    const { reason, place } = error as ConfigError;
    expect(reason).not.toMatch(/Invalid|Too (small|big)|Unrecognized|received/);
    expect(reason).toMatch(
      /expected|must|unknown key|missing|is for|needs|give|is a (file|folder)|cannot|only|has no|required/,
    );
    expect(place, reason).toBeDefined();
  });
});

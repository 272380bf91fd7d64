import { mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { getSettings } from "../../action/settings.js";

const INPUTS = [
  "url",
  "app",
  "file",
  "key",
  "key-id",
  "operation",
  "audience",
  "rollback-to",
  "timeout",
];
const SECRET = "s".repeat(32);
let dir: string;

// Sets inputs the way the runner does: every declared input present, "" when not given.
function given(inputs: Record<string, string>): void {
  for (const name of INPUTS) process.env[`INPUT_${name.toUpperCase()}`] = inputs[name] ?? "";
}

function deploy(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    url: "https://deploy.example.com/",
    app: "webdemo",
    file: join(dir, "one.exe"),
    key: SECRET,
    ...overrides,
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hotswap-settings-"));
  await Promise.all(["one.exe", "two.bin", "three.bin"].map((f) => writeFile(join(dir, f), f)));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
// @actions/core writes workflow commands (add-mask, warnings) to stdout; keep them out
// of the test log, where a CI runner would act on them.
beforeEach(() => void vi.spyOn(process.stdout, "write").mockImplementation(() => true));
afterEach(() => {
  vi.restoreAllMocks();
  for (const name of INPUTS) delete process.env[`INPUT_${name.toUpperCase()}`];
  delete process.env["ACTIONS_ID_TOKEN_REQUEST_URL"];
});

describe("getSettings", () => {
  it("applies the documented defaults", async () => {
    given(deploy({ file: join(dir, "*.exe") }));
    const settings = await getSettings();
    expect(settings).toMatchObject({
      url: "https://deploy.example.com",
      app: "webdemo",
      operation: "deploy",
      file: join(dir, "one.exe"),
      keyId: "ci",
      audience: "https://deploy.example.com",
      timeoutMs: 900_000,
    });
    expect(settings.key?.alg).toBe("HS256");
    expect(settings.rollbackTo).toBeUndefined();
  });

  it("takes every input that is given", async () => {
    given({
      ...deploy({ operation: "rollback", file: "" }),
      "key-id": "release-bot",
      audience: "https://aud.example.com",
      "rollback-to": "r-7",
      timeout: "60",
    });
    expect(await getSettings()).toMatchObject({
      operation: "rollback",
      file: undefined,
      keyId: "release-bot",
      audience: "https://aud.example.com",
      rollbackTo: "r-7",
      timeoutMs: 60_000,
    });
  });

  it.each(["http://127.0.0.1:8787", "http://localhost:8787/", "http://[::1]:8787"])(
    "allows plain http on loopback: %s",
    async (url) => {
      given(deploy({ url }));
      expect((await getSettings()).url).toBe(url.replace(/\/$/, ""));
    },
  );

  it("uses GitHub OIDC when no key is given and the job may ask for a token", async () => {
    process.env["ACTIONS_ID_TOKEN_REQUEST_URL"] = "http://127.0.0.1:1/token?x=1";
    given(deploy({ key: "" }));
    expect((await getSettings()).key).toBeUndefined();
  });

  it("needs no file for swap", async () => {
    given(deploy({ operation: "swap", file: "" }));
    expect((await getSettings()).file).toBeUndefined();
  });

  it.each([
    [
      { operation: "explode" },
      'operation "explode" is not one of deploy, upload, swap, rollback, promote, abort',
    ],
    [{ url: "http://deploy.example.com" }, 'url "http://deploy.example.com" must use https'],
    [{ url: "deploy.example.com" }, 'url "deploy.example.com" is not a URL'],
    [{ url: "https://deploy.example.com/?x=1" }, 'url "https://deploy.example.com/?x=1" must not'],
    [{ app: "web demo" }, 'app "web demo" must be'],
    [{ app: "../etc" }, 'app "../etc" must be'],
    [{ timeout: "soon" }, 'timeout "soon" is not a whole number'],
    [{ timeout: "0" }, 'timeout "0" is not a whole number'],
    [{ file: "" }, "file is required for operation deploy"],
    [{ "rollback-to": "r-1" }, 'rollback-to "r-1" is only used with operation rollback'],
    [{ key: "short" }, "key is a 5-byte secret; HS256 needs at least 32 bytes"],
    [{ key: "" }, 'add "permissions: id-token: write" to the job'],
    [{ url: "" }, "Input required and not supplied: url"],
  ])("refuses %o", async (overrides, message) => {
    given(deploy(overrides));
    await expect(getSettings()).rejects.toThrow(message);
  });

  it("quotes a pattern that matched nothing", async () => {
    given(deploy({ file: join(dir, "*.zip") }));
    await expect(getSettings()).rejects.toThrow(`file "${join(dir, "*.zip")}" matched no file`);
  });

  it("says that a folder must be archived first, with the command", async () => {
    mkdirSync(join(dir, "dist"));
    writeFileSync(join(dir, "dist", "server.js"), "");
    given(deploy({ file: join(dir, "dist") }));
    const error = String(await getSettings().catch((e: Error) => e));
    expect(error).toContain(
      `matched the folder ${join(dir, "dist")}, not a file: archive it first`,
    );
    expect(error).toContain(
      `tar czf app.tar.gz -C "${join(dir, "dist")}" . and then file: app.tar.gz`,
    );
  });

  it("lists every file when the pattern matched more than one", async () => {
    given(deploy({ file: join(dir, "*.bin") }));
    const error = await getSettings().catch((e: Error) => e);
    expect(String(error)).toContain(`file "${join(dir, "*.bin")}" matched 2 files`);
    expect(String(error)).toContain(join(dir, "two.bin"));
    expect(String(error)).toContain(join(dir, "three.bin"));
  });

  it("never quotes the key", async () => {
    given(deploy({ key: "not-a-secret-but-should-stay-out" }));
    const error = await getSettings().catch((e: Error) => e);
    expect(String(error)).not.toContain("should-stay-out");
  });
});

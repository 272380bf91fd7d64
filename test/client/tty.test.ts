// The CLI on a real terminal: run under a pseudo-terminal (util-linux `script`), so stdout
// is a TTY as on a developer's machine, a multi-MiB deploy draws its upload bar and the
// steps their spinners and ticks on the live bottom line.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReceiverProcess } from "../helpers/receiver-process.js";
import { SECRET } from "../helpers/tokens.js";
import type { Workspace } from "../helpers/workspace.js";
import { cleanEnv, cliSite, type CliSite } from "./run-hotswap.js";

const MIB = 1024 * 1024;
const SIZE = 6 * MIB;

let site: CliSite;
let ws: Workspace;
let rx: ReceiverProcess;
let checkout: string;

beforeAll(async () => {
  site = await cliSite({ app: { maxUploadSize: "64MiB" } });
  ({ ws, rx, checkout } = site);
});
afterAll(() => site?.remove());

// A build that runs, padded to SIZE with a comment: a multi-MiB upload.
function bigBuild(name: string): string {
  const script = readFileSync(ws.version(name), "utf8");
  const file = join(checkout, `webdemo-${name}`);
  writeFileSync(file, `${script}\n/*${"x".repeat(SIZE - script.length - 6)}*/\n`, { mode: 0o755 });
  return file;
}

/** What the terminal received, escapes and all, and the exit status of the CLI. */
function onTerminal(args: string[]): Promise<{ code: number | null; screen: string }> {
  const quoted = [process.execPath, site.cli, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`);
  const command = `stty cols 120 rows 40; exec ${quoted.join(" ")}`;
  const env = cleanEnv({
    HOTSWAP_URL: rx.api,
    HOTSWAP_APP: "webdemo",
    HOTSWAP_KEY: SECRET,
    HOTSWAP_AUDIENCE: "https://deploy.test",
    TERM: "xterm-256color",
  });
  delete env["NO_COLOR"];
  const child = spawn("script", ["-qfec", command, "/dev/null"], {
    cwd: checkout,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let screen = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => (screen += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (screen += s));
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((done, fail) => {
    child.once("error", fail);
    child.once("close", (code) => {
      clearTimeout(timer);
      done({ code, screen });
    });
  });
}

describe("hotswap on a terminal", () => {
  it("draws the upload bar on a multi-MiB deploy, a spinner per step, then ticks with times", async () => {
    const { code, screen } = await onTerminal(["deploy", bigBuild("v2")]);
    expect(code, screen).toBe(0);
    // The bar: drawn on the live line (carriage return, erase line), cells and figures.
    expect(screen, screen).toMatch(
      // eslint-disable-next-line no-control-regex
      /\r\x1b\[2Kupload \[(\x1b\[32m)?█*(\x1b\[0m)?░*\] +\d+% +[\d.]+ [KM]?B of 6\.3 MB at [\d.]+ [KMG]?B\/s/,
    );
    expect(screen).toMatch(/uploaded 6\.3 MB in [\d.]+ m?s at [\d.]+ [KMG]?B\/s/);
    // A spinner frame for a step under way, and each step's tick with its time.
    expect(screen).toMatch(
      // eslint-disable-next-line no-control-regex
      /\r\x1b\[2K(\x1b\[36m)?[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏](\x1b\[0m)? (upload|hold|unload|swap|reload|release) /,
    );
    for (const step of ["upload", "unload", "swap", "reload", "release"])
      expect(screen).toMatch(new RegExp(`✓ (\\x1b\\[0m)?(\\x1b\\[1m)?${step} \\(\\d`));
    // eslint-disable-next-line no-control-regex
    expect(screen).toMatch(/✓ (\x1b\[0m)?(\x1b\[1m)?hold \(until release\)/);
    expect(screen).toMatch(/deploy of webdemo done, id d-/);
    expect(screen).not.toContain(SECRET);
    expect((await (await fetch(`${rx.gate()}/`)).text()).trim()).toBe("v2");
  });

  it("marks a failed step with a cross and exits 1", async () => {
    const file = join(checkout, "webdemo-v3");
    writeFileSync(file, readFileSync(ws.version("v3", { crashAtStart: 3 })), { mode: 0o755 });
    const { code, screen } = await onTerminal(["deploy", file]);
    expect(code, screen).toBe(1);
    expect(screen).toMatch(/✗ reload failed \(/);
    expect(screen).toContain("ERR_HEALTH_CHECK");
    expect(screen).not.toContain(SECRET);
  });
});

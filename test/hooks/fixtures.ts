// A scratch release folder per test, with the hook scripts a test writes into bin/,
// and runHooks wired to collect what it logs.
import { chmod, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import { runHooks, type HookName, type HookOptions } from "../../receiver/hooks/run-hooks.js";
import { waitFor } from "../helpers/wait-for.js";

export interface Release {
  dir: string;
  /** Writes bin/<name> as an executable sh script; returns "bin/<name>". */
  script(name: string, body: string): Promise<string>;
  /** The pid a hook wrote into <file> (relative to the release), once it is there. */
  pidIn(file: string): Promise<number>;
  /** Every line logged by the runs so far, as "level: message". */
  logs: string[];
  run(
    commands: string[][],
    options?: Partial<HookOptions>,
    name?: HookName,
  ): ReturnType<typeof runHooks>;
}

/** The env a test hook gets unless it says otherwise: PATH and the HOTSWAP_* a caller adds. */
export const HOOK_ENV = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOTSWAP_APP: "shop",
  HOTSWAP_RELEASE: "r2",
  HOTSWAP_PREVIOUS: "r1",
};

export function releasePerTest(): Release {
  const release = {} as Release;
  let root = "";
  beforeEach(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), "hotswap-hooks-")));
    release.dir = join(root, "releases", "r2");
    await mkdir(join(release.dir, "bin"), { recursive: true });
    release.logs = [];
    release.script = async (name, body) => {
      const file = join(release.dir, "bin", name);
      await writeFile(file, `#!/bin/sh\n${body}\n`);
      await chmod(file, 0o755);
      return `bin/${name}`;
    };
    release.pidIn = async (file) => {
      const text = await waitFor(
        () =>
          readFile(join(release.dir, file), "utf8").then(
            (t) => t.trim(),
            () => "",
          ),
        `a pid in ${file}`,
      );
      return Number(text);
    };
    release.run = (commands, options = {}, name = "beforeSwap") =>
      runHooks(name, commands, {
        cwd: release.dir,
        env: HOOK_ENV,
        timeoutMs: 30_000,
        log: (level, message) => release.logs.push(`${level}: ${message}`),
        ...options,
      });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });
  return release;
}

import { chmod, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { releasePerTest } from "./fixtures.js";

const release = releasePerTest();

// A command that cannot start stops the list like one that fails, and says in one line
// which command, where it looked, and what to do about it.
describe.skipIf(process.platform === "win32")("runHooks, a command that cannot start", () => {
  it("is named with the path it was looked for at, and the list stops", async () => {
    const after = await release.script("after", "touch after-ran");

    const outcome = await release.run([["bin/migrate", "--yes"], [after]]);

    const file = join(release.dir, "bin/migrate");
    expect(outcome).toMatchObject({
      ok: false,
      command: "bin/migrate --yes",
      reason: `could not be started: ${file} does not exist (a path with a slash is taken from the release, ${release.dir}): check the path and that the artifact contains it`,
    });
    expect(release.logs.at(-1)).toMatch(
      /^error: beforeSwap: bin\/migrate --yes could not be started/,
    );
    expect(release.logs.some((l) => l.includes("bin/after"))).toBe(false);
  });

  it("not on PATH: says which PATH", async () => {
    const outcome = await release.run([["no-such-hook-xyz"]], {
      env: { PATH: "/nowhere:/usr/bin" },
    });

    expect(outcome).toMatchObject({
      ok: false,
      reason: expect.stringContaining("not found on PATH (/nowhere, /usr/bin)"),
    });
  });

  it("not executable: says to chmod +x it", async () => {
    const plain = await release.script("plain", "echo hi");
    await chmod(join(release.dir, plain), 0o644);

    const outcome = await release.run([[plain]]);

    expect(outcome).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/is not executable \(EACCES; cwd .*\): .*chmod \+x/),
    });
  });

  it("a missing #! interpreter: names it, not the script", async () => {
    const file = join(release.dir, "bin", "ruby-hook");
    await writeFile(file, "#!/opt/no-such-ruby/bin/ruby\nputs 1\n");
    await chmod(file, 0o755);

    const outcome = await release.run([["bin/ruby-hook"]]);

    expect(outcome).toMatchObject({
      ok: false,
      reason: expect.stringContaining(
        `${file} exists, but its #! interpreter /opt/no-such-ruby/bin/ruby was not found`,
      ),
    });
  });

  it("a release folder that is not there: says so", async () => {
    await rm(release.dir, { recursive: true });

    const outcome = await release.run([["bin/migrate"]]);

    expect(outcome).toMatchObject({
      ok: false,
      reason: expect.stringContaining(`its folder ${release.dir} does not exist`),
    });
  });

  it("an empty command: refused before anything runs", async () => {
    const outcome = await release.run([[]], {}, "afterRelease");

    expect(outcome).toMatchObject({
      ok: false,
      command: "[]",
      reason: "is empty: hooks.afterRelease needs a program to run",
    });
  });
});

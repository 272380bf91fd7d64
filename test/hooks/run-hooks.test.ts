import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { releasePerTest } from "./fixtures.js";

const release = releasePerTest();

describe.skipIf(process.platform === "win32")("runHooks", () => {
  it("streams each line as it comes, stdout as info and stderr as warn, in order", async () => {
    const talk = await release.script(
      "talk",
      `for i in 1 2 3; do echo "out $i"; echo "err $i" >&2; done; echo "arg: $1"; printf 'no newline'`,
    );

    const outcome = await release.run([[talk, "two words"]]);

    expect(outcome).toEqual({ ok: true, ms: expect.any(Number) });
    const lines = release.logs.filter((l) => !/running|done in/.test(l));
    expect(lines.filter((l) => l.startsWith("info"))).toEqual([
      "info: beforeSwap: out 1",
      "info: beforeSwap: out 2",
      "info: beforeSwap: out 3",
      "info: beforeSwap: arg: two words",
      "info: beforeSwap: no newline",
    ]);
    expect(lines.filter((l) => l.startsWith("warn"))).toEqual([
      "warn: beforeSwap: err 1",
      "warn: beforeSwap: err 2",
      "warn: beforeSwap: err 3",
    ]);
    expect(release.logs[0]).toBe(`info: beforeSwap: running ${talk} "two words"`);
    expect(release.logs.at(-1)).toMatch(/^info: beforeSwap: bin\/talk "two words" done in \d/);
  });

  it("escapes control characters, so a hook cannot paint over the receiver's lines", async () => {
    const paint = await release.script(
      "paint",
      `printf 'red \\033[31malert\\007\\n'; printf 'over\\rwrite\\r\\n'; printf 'tab\\tkept\\n'`,
    );

    await release.run([[paint]], {}, "afterRelease");

    expect(release.logs).toContain("info: afterRelease: red \\x1b[31malert\\x07");
    expect(release.logs).toContain("info: afterRelease: over\\x0dwrite");
    expect(release.logs).toContain("info: afterRelease: tab\tkept");
    for (const raw of ["\u001b", "\u0007", "\r"])
      expect(release.logs.join("\n")).not.toContain(raw);
  });

  it("stops the list at a command that fails: later ones do not run", async () => {
    const first = await release.script("first", "touch first-ran");
    const fail = await release.script(
      "fail",
      `echo "migrating"; echo "fatal: no database" >&2; exit 3`,
    );
    const last = await release.script("last", "touch last-ran");

    const outcome = await release.run([[first], [fail, "--yes"], [last]]);

    expect(outcome).toEqual({
      ok: false,
      command: "bin/fail --yes",
      reason: "exited with code 3",
      ms: expect.any(Number),
      output: expect.arrayContaining(["migrating", "fatal: no database"]),
    });
    expect(existsSync(join(release.dir, "first-ran"))).toBe(true);
    expect(existsSync(join(release.dir, "last-ran"))).toBe(false);
    expect(release.logs.at(-1)).toBe("error: beforeSwap: bin/fail --yes exited with code 3");
    expect(release.logs.some((l) => l.includes("bin/last"))).toBe(false);
  });

  it("says so when a command is killed by a signal", async () => {
    const die = await release.script("die", "kill -KILL $$");

    const outcome = await release.run([[die]]);

    expect(outcome).toMatchObject({
      ok: false,
      command: "bin/die",
      reason: "was killed by SIGKILL",
    });
  });

  it("keeps the failing command's last 50 lines", async () => {
    const chatty = await release.script("chatty", "seq 1 500; exit 1");

    const outcome = await release.run([[chatty]]);

    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.output).toHaveLength(50);
    expect(outcome.output[0]).toBe("451");
    expect(outcome.output.at(-1)).toBe("500");
  });

  it("passes exactly the env it is given (HOTSWAP_* visible, the receiver's own not)", async () => {
    process.env.HOTSWAP_TEST_LEAK = "leaked";
    try {
      const env = await release.script(
        "env",
        `echo "$HOTSWAP_APP $HOTSWAP_RELEASE $HOTSWAP_PREVIOUS \${HOTSWAP_TEST_LEAK-unset}"`,
      );

      await release.run([[env]]);

      expect(release.logs).toContain("info: beforeSwap: shop r2 r1 unset");
    } finally {
      delete process.env.HOTSWAP_TEST_LEAK;
    }
  });

  it("runs in the release folder, and finds bin/... there, not in the receiver's cwd", async () => {
    const where = await release.script("where", "pwd; test -t 0 || echo 'stdin is not a terminal'");

    await release.run([[where]]);

    expect(process.cwd()).not.toBe(release.dir);
    expect(release.logs).toContain(`info: beforeSwap: ${release.dir}`);
  });

  it("closes stdin, so a hook that asks a question gets end-of-file, not a hang", async () => {
    const ask = await release.script(
      "ask",
      `if read answer; then echo "got $answer"; else echo "eof"; fi`,
    );

    const outcome = await release.run([[ask]]);

    expect(outcome.ok).toBe(true);
    expect(release.logs).toContain("info: beforeSwap: eof");
  });

  it("finds a bare name on PATH, with arguments as given (no shell)", async () => {
    const outcome = await release.run([["sh", "-c", 'echo "$0 $1"', "$HOME", "*"]]);

    expect(outcome.ok).toBe(true);
    expect(release.logs).toContain("info: beforeSwap: $HOME *");
  });

  it("is ok with an empty list", async () => {
    expect(await release.run([])).toEqual({ ok: true, ms: expect.any(Number) });
    expect(release.logs).toEqual([]);
  });
});

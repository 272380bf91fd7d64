import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { alive } from "../helpers/alive.mjs";
import { waitFor } from "../helpers/wait-for.js";
import { releasePerTest } from "./fixtures.js";

const release = releasePerTest();

/** A hook that writes its pid and its grandchild's, then waits on the grandchild. */
const HANG = `echo $$ > hook.pid; sleep 100 & echo $! > grandchild.pid; wait`;

/** Neither the hook nor its grandchild is left (a SIGKILL takes a moment to land). */
async function bothGone(): Promise<void> {
  const pids = [await release.pidIn("hook.pid"), await release.pidIn("grandchild.pid")];
  await waitFor(() => pids.every((pid) => !alive(pid)), `pids ${pids.join(", ")} to be gone`, 2000);
}

describe.skipIf(process.platform === "win32")("runHooks stops", () => {
  it("a hanging hook at hooks.timeout, with the grandchild it started", async () => {
    const hang = await release.script("hang", HANG);
    const after = await release.script("after", "touch after-ran");

    const outcome = await release.run([[hang], [after]], { timeoutMs: 500 });

    expect(outcome).toMatchObject({
      ok: false,
      command: "bin/hang",
      reason: "was cut at hooks.timeout (500ms), which covers the whole beforeSwap list",
    });
    await bothGone();
    expect(existsSync(join(release.dir, "after-ran"))).toBe(false);
  });

  it("a hook that ignores SIGTERM, with SIGKILL once the grace has passed", async () => {
    const stubborn = await release.script("stubborn", `trap '' TERM; ${HANG}`);

    const outcome = await release.run([[stubborn]], { timeoutMs: 300 });

    expect(outcome).toMatchObject({ ok: false, reason: expect.stringMatching(/^was cut at/) });
    await bothGone();
  }, 20_000);

  it("the whole list at hooks.timeout, not each command", async () => {
    const slow = await release.script("slow", "sleep 1");
    const after = await release.script("after", "touch after-ran");

    const outcome = await release.run([[slow], [slow, "again"], [after]], { timeoutMs: 1500 });

    expect(outcome).toMatchObject({ ok: false, command: "bin/slow again" });
    expect(existsSync(join(release.dir, "after-ran"))).toBe(false);
  });

  it("when the signal is aborted, and runs nothing after", async () => {
    const hang = await release.script("hang", HANG);
    const after = await release.script("after", "touch after-ran");
    const controller = new AbortController();

    const running = release.run([[hang], [after]], { signal: controller.signal });
    await release.pidIn("grandchild.pid");
    controller.abort(new Error("the receiver is shutting down"));
    const outcome = await running;

    expect(outcome).toMatchObject({
      ok: false,
      command: "bin/hang",
      reason: "was stopped: the receiver is shutting down",
    });
    await bothGone();
    expect(existsSync(join(release.dir, "after-ran"))).toBe(false);
  });

  it("nothing when the signal is aborted before it starts", async () => {
    const first = await release.script("first", "touch first-ran");
    const controller = new AbortController();
    controller.abort();

    const outcome = await release.run([[first]], { signal: controller.signal });

    expect(outcome).toMatchObject({
      ok: false,
      reason: "was stopped: the operation was aborted before it started",
    });
    expect(existsSync(join(release.dir, "first-ran"))).toBe(false);
  });

  it("what a hook that succeeded left running in the background", async () => {
    const leave = await release.script(
      "leave",
      `echo $$ > hook.pid; sleep 100 & echo $! > grandchild.pid; echo started`,
    );

    const outcome = await release.run([[leave]]);

    expect(outcome.ok).toBe(true);
    await bothGone();
  });
});

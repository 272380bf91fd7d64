import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { StreamEvent } from "../../receiver/protocol.js";
import { sha256 } from "../helpers/api-client.js";
import { deploy } from "../helpers/deploy.js";
import { waitFor } from "../helpers/wait-for.js";
import { receiverFileCopy, receiverPid, receiverUnderLoad, upgrade } from "./upgrade-helpers.js";

// SIGUSR2 (docs/design.md §7, guarantee 10): the receiver file on disk takes over the
// listening sockets, and no request through the gate fails, under an open-model load of
// fresh and keep-alive connections.
const RATE = 200;

// Both ways the sockets go to the new receiver: as descriptors (POSIX), and over the IPC
// channel (how Windows must, which has no descriptors to pass; HOTSWAP_UPGRADE_SOCKETS=channel
// runs that path here).
describe.each([
  ["as descriptors", {}],
  ["over the IPC channel", { HOTSWAP_UPGRADE_SOCKETS: "channel" }],
])("SIGUSR2: upgrading the receiver under load, sockets %s", (_, env: Record<string, string>) => {
  const scene = receiverUnderLoad(RATE);
  const { pids, finish } = scene;
  const start = (cli?: string) => scene.start({ env, cli });

  it("hands over with no failed request: a new pid in receiver.pid, the old one exits, a second signal meanwhile is ignored, a deploy right after works", async () => {
    const { ws, rx, load } = await start();
    const before = receiverPid(ws.data);
    expect(before).toBe(rx.child.pid);
    const up = await upgrade(rx, ws.data, { twice: true });
    pids.push(up.to);
    expect(up.from).toBe(before);
    expect(rx.logs.join("\n")).toContain("SIGUSR2: an upgrade is already running; ignored");
    expect(rx.logs.filter((l) => l.includes("SIGUSR2: upgrading"))).toHaveLength(1);
    expect(up.to).not.toBe(before);
    await waitFor(() => rx.child.exitCode !== null, "the old receiver's exit code");
    expect(rx.child.exitCode).toBe(0);
    expect(rx.logs.join("\n")).toContain(`upgrade: the new receiver (pid ${up.to}) serves`);
    const file = ws.version("v2");
    const r = await deploy(rx, file);
    expect(r.result).toMatchObject({ ok: true, version: { sha256: sha256(readFileSync(file)) } });
    const seen = load.samples.length;
    await waitFor(
      () => load.samples.slice(seen).some((s) => s.version === "v2"),
      "answers from v2",
    );
    await finish(
      load,
      `SIGUSR2 (signal → pid ${up.to} serving in ${up.ms.toFixed(0)} ms), then a deploy`,
    );
  });

  it("lets a running deploy finish first: its stream ends with an ok result, no request fails", async () => {
    const { ws, rx, load } = await start();
    const file = ws.version("v2");
    let holding: (() => void) | undefined;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const onEvent = (e: StreamEvent) => {
      if (e.type === "step" && e.step === "hold" && e.state === "start") holding!();
    };
    const deploying = deploy(rx, file, onEvent);
    await held;
    const up = upgrade(rx, ws.data);
    const r = await deploying;
    expect(r.status).toBe(200);
    expect(r.result).toMatchObject({ ok: true, version: { version: "testapp v2" } });
    const { to, ms } = await up;
    pids.push(to);
    // The new receiver serves the version the deploy put live.
    const seen = load.samples.length;
    await waitFor(
      () => load.samples.slice(seen + 20).some((s) => s.version === "v2"),
      "answers from v2",
    );
    expect(load.samples.slice(seen + 20).every((s) => s.version !== "v1")).toBe(true);
    await finish(
      load,
      `SIGUSR2 during a deploy (signal → pid ${to} serving in ${ms.toFixed(0)} ms)`,
    );
  });

  it("keeps serving when the receiver file on disk is broken, and says why; a later good upgrade works", async () => {
    const file = receiverFileCopy();
    const { ws, rx, load } = await start(file.cli);
    const pid = receiverPid(ws.data)!;
    file.breakIt();
    process.kill(pid, "SIGUSR2");
    const failed = await waitFor(
      () => rx.logs.find((l) => l.includes("upgrade failed:")),
      "the upgrade to fail",
    );
    expect(failed).toContain("exited with code 3 before it was ready");
    expect(failed).toContain(`this receiver (pid ${pid}) keeps serving`);
    expect(rx.logs.join("\n")).toContain("broken build: exits at once");
    expect(receiverPid(ws.data)).toBe(pid);
    expect(rx.child.exitCode).toBeNull();
    // It still serves, and still deploys.
    const seen = load.samples.length;
    await waitFor(() => load.samples.length > seen + 50, "more answers");
    const r = await deploy(rx, ws.version("v2"));
    expect(r.result).toMatchObject({ ok: true });
    file.mend();
    const up = await upgrade(rx, ws.data);
    pids.push(up.to);
    expect(up.from).toBe(pid);
    await finish(load, `a broken upgrade, then a good one (${up.ms.toFixed(0)} ms)`);
  });
});

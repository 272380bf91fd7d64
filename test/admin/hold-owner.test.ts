// A hold put on by hand (admin page) has an owner: a deploy that runs meanwhile holds and
// releases its own hold, and the gate stays held until the admin releases it.
import { describe, expect, it } from "vitest";
import { call } from "../helpers/api-client.js";
import { deploy } from "../helpers/deploy.js";
import { mint } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import { adminReceiver } from "./admin-http.js";

describe("a manual hold during a deploy", () => {
  const scene = adminReceiver();

  const post = (path: string) =>
    fetch(scene.rx.api + path, {
      method: "POST",
      headers: {
        cookie: scene.admin.cookie,
        "x-csrf-token": scene.admin.csrf,
        accept: "application/json",
      },
    });

  it("is kept after the deploy's release, and the waiting request reaches the new version once the admin releases", async () => {
    expect((await fetch(`${scene.rx.gate()}/`)).status).toBe(200);
    const held = await post("/admin/apps/webdemo/hold");
    expect(await held.json()).toMatchObject({ held: true });
    const result = await deploy(scene.rx, scene.ws.version("v2"));
    expect(result.result?.ok).toBe(true);
    const release = result.events.find(
      (e) => e.type === "step" && e.step === "release" && e.state === "done",
    );
    expect(release).toMatchObject({
      message: expect.stringMatching(/stays on hold: it was held by hand/),
    });
    // and a warning in the stream (an annotation in the workflow run) after the release step
    const after = result.events.slice(result.events.indexOf(release!));
    expect(after.find((e) => e.type === "log" && e.level === "warn")).toMatchObject({
      message: expect.stringMatching(/until the hold put on by hand is released on the admin page/),
    });
    let answered = false;
    const waiting = fetch(`${scene.rx.gate()}/`).then(async (r) => {
      answered = true;
      return (await r.text()).trim();
    });
    await waitFor(async () => {
      const status = await call(scene.rx.api, "/v1/apps/webdemo", {
        token: await mint({ op: "status" }),
      });
      const { hold } = status.json as { hold: { held: boolean; queued: number } };
      return hold.held && hold.queued === 1;
    }, "the request to wait at the held gate");
    expect(answered).toBe(false);
    const released = await post("/admin/apps/webdemo/release");
    expect(await released.json()).toMatchObject({ held: false });
    expect(await waiting).toMatch(/^v2/);
    await waitFor(() => answered, "the held request to be answered");
  });
});

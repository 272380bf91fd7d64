// In socket mode the app's servers accept on the gate's port themselves: the receiver
// holds nothing, so the admin page's manual hold is refused and changes nothing.
import { describe, expect, it } from "vitest";
import { adminReceiver, journal } from "./admin-http.js";

describe("the manual hold in socket mode", () => {
  const scene = adminReceiver({
    app: { gate: { listen: "127.0.0.1:0", mode: "socket" } },
    v1: { socket: true },
  });

  it("is refused with 409 ERR_SOCKET_MODE; the servers go on answering and nothing is journaled", async () => {
    const before = journal(scene.ws).length;
    const res = await fetch(`${scene.rx.api}/admin/apps/webdemo/hold`, {
      method: "POST",
      headers: {
        cookie: scene.admin.cookie,
        "x-csrf-token": scene.admin.csrf,
        accept: "application/json",
      },
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({
      error: { code: "ERR_SOCKET_MODE", message: expect.stringMatching(/socket mode/) },
    });
    expect((await (await fetch(`${scene.rx.gate()}/`)).text()).trim()).toBe("v1");
    expect(journal(scene.ws).length).toBe(before);
  });
});

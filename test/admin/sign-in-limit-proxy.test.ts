// Behind the TLS proxy the README recommends, every browser reaches the receiver from
// the proxy's address. With the proxy in trustProxy, wrong admin passwords are counted
// per client (the right-most X-Forwarded-For entry that is not a listed proxy), so one
// guesser cannot lock the admin out; a peer that is not listed cannot pick its own
// address by writing X-Forwarded-For.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { adminWorkspace, loginForm, PASSWORD, type AdminSession } from "./admin-http.js";

const PROXY = "127.0.0.1"; // in trustProxy
const STRANGER = "127.0.0.9"; // not

interface From {
  /** Connect from this loopback address (127.0.0.0/8 all reaches the receiver). */
  peer: string;
  forwardedFor?: string;
}

// POST /admin/login through node:http, which (unlike fetch) can pick the source address.
function postLogin(api: string, form: AdminSession, password: string, from: From) {
  const body = new URLSearchParams({ _csrf: form.csrf, password }).toString();
  const headers: Record<string, string | number> = {
    cookie: form.cookie,
    "content-type": "application/x-www-form-urlencoded",
    "content-length": Buffer.byteLength(body),
  };
  if (from.forwardedFor) headers["x-forwarded-for"] = from.forwardedFor;
  return new Promise<{ status: number; retryAfter?: string; text: string }>((resolve, reject) => {
    const req = request(
      `${api}/admin/login`,
      { method: "POST", headers, localAddress: from.peer },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          const retryAfter = res.headers["retry-after"];
          resolve({ status: res.statusCode ?? 0, retryAfter, text });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("admin sign-in limit behind a proxy listed in trustProxy (5 failures a minute)", () => {
  let rx: ReceiverProcess;
  let form: AdminSession;
  const attempt = (password: string, from: From) => postLogin(rx.api, form, password, from);
  const expectLocked = async (from: From) => {
    const r = await attempt(PASSWORD, from);
    expect(r.status, r.text).toBe(429);
    expect(JSON.parse(r.text)).toMatchObject({ error: { code: "ERR_TOO_MANY_ATTEMPTS" } });
    expect(Number(r.retryAfter)).toBeGreaterThan(0);
  };

  beforeAll(async () => {
    rx = await startReceiver(adminWorkspace({ config: { trustProxy: [PROXY] } }).configFile);
    form = await loginForm(rx.api);
  });
  afterAll(() => rx?.stop());

  it("locks out the client that guesses, not the proxy and not the next client", async () => {
    const guesser = { peer: PROXY, forwardedFor: "203.0.113.7" };
    for (let i = 1; i <= 5; i++) expect((await attempt(`guess-${i}`, guesser)).status).toBe(401);
    await expectLocked(guesser);
    // A forged entry to the left of what the proxy appended changes nothing.
    await expectLocked({ peer: PROXY, forwardedFor: "10.9.9.9, 203.0.113.7" });
    // Another client behind the same proxy, and the proxy itself, still sign in.
    expect((await attempt(PASSWORD, { peer: PROXY, forwardedFor: "198.51.100.20" })).status).toBe(
      303,
    );
    expect((await attempt(PASSWORD, { peer: PROXY })).status).toBe(303);
  });

  it("a peer outside trustProxy is counted by its own address, whatever X-Forwarded-For says", async () => {
    for (let i = 1; i <= 5; i++) {
      const r = await attempt(`guess-${i}`, { peer: STRANGER, forwardedFor: `192.0.2.${i}` });
      expect(r.status).toBe(401);
    }
    await expectLocked({ peer: STRANGER, forwardedFor: "192.0.2.99" });
    await expectLocked({ peer: STRANGER });
    // Its forged entries locked nobody else out: a client the proxy names signs in.
    expect((await attempt(PASSWORD, { peer: PROXY, forwardedFor: "192.0.2.1" })).status).toBe(303);
  });
});

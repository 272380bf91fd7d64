// A client that keeps failing authentication is guessing or broken: after
// auth.maxFailuresPerMinute failures from one address within a minute, every request
// from it gets 429 ERR_RATE_LIMITED with Retry-After at once, before any token work
// (so a good token sent meanwhile is not even spent), while other addresses go on.
// Neither the failures nor the 429s touch the disk or start anything.
import { request } from "node:http";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, sha256, type CallResult } from "../helpers/api-client.js";
import { mint } from "../helpers/tokens.js";
import { expectRefusal, goodClaims, hs256, Scene } from "./fixture.js";

const WRONG_SECRET = "not-the-secret-0123456789abcdef0123456789";

interface Send {
  path?: string;
  method?: string;
  token?: string;
  /** Connect from this loopback address (127.0.0.0/8 all reaches the receiver). */
  from?: string;
  body?: Buffer;
  /** Announce this Content-Length and send the headers only. */
  headersOnly?: number;
  /** An X-Forwarded-For header, as a proxy in front would send it. */
  forwardedFor?: string;
}

// One request through node:http, which (unlike fetch) can pick the source address and
// stop after the headers.
function send(api: string, o: Send = {}): Promise<CallResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.forwardedFor) headers["x-forwarded-for"] = o.forwardedFor;
    if (o.body || o.headersOnly !== undefined) {
      headers["content-type"] = "application/octet-stream";
      headers["x-hotswap-sha256"] = sha256(o.body ?? "");
      headers["content-length"] = o.headersOnly ?? o.body!.length;
    }
    const req = request(
      `${api}${o.path ?? "/v1/apps/webdemo"}`,
      { method: o.method ?? "GET", headers, localAddress: o.from ?? "127.0.0.1" },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          if (o.headersOnly !== undefined) req.destroy();
          let json: unknown = text;
          try {
            json = JSON.parse(text);
          } catch {
            // not JSON
          }
          const h = new Headers();
          for (const [name, value] of Object.entries(res.headers))
            if (typeof value === "string") h.set(name, value);
          resolve({ status: res.statusCode!, headers: h, json, events: [] });
        });
      },
    );
    req.on("error", reject);
    if (o.headersOnly !== undefined) req.flushHeaders();
    else req.end(o.body);
  });
}

function expectLimited(r: CallResult): number {
  expectRefusal(r, 429, "ERR_RATE_LIMITED");
  const wait = Number(r.headers.get("retry-after"));
  expect(wait).toBeGreaterThanOrEqual(1);
  expect(wait).toBeLessThanOrEqual(60);
  return wait;
}

describe("failed authentications from one address are limited (maxFailuresPerMinute: 5)", () => {
  let scene: Scene;
  const bad = () => scene.track(hs256(goodClaims("status"), { alg: "HS256", kid: "nobody" }));
  const good = () => scene.track(hs256(goodClaims("status")));

  beforeAll(async () => {
    scene = await Scene.start({ auth: { maxFailuresPerMinute: 5 } });
  });
  afterAll(() => scene?.stop());

  it("the 6th failure within a minute is 429 ERR_RATE_LIMITED with Retry-After; a good token then is refused too, unspent", async () => {
    const before = await scene.observe();
    for (let i = 0; i < 5; i++)
      expectRefusal(await send(scene.rx.api, { token: bad() }), 401, "ERR_UNKNOWN_KEY");
    expectLimited(await send(scene.rx.api, { token: bad() }));
    // Before any token work: a good token is refused as well, and its jti is not written.
    expectLimited(await send(scene.rx.api, { token: good() }));
    await scene.expectUntouched(before);
  });

  it("a deploy from the limited address is refused before one byte of its body is sent", async () => {
    const before = await scene.observe();
    const token = scene.track(hs256(goodClaims("deploy", { sha256: sha256("") })));
    const r = await send(scene.rx.api, {
      path: "/v1/apps/webdemo/deploy",
      method: "POST",
      token,
      headersOnly: 1024 * 1024 - 1,
    });
    expectLimited(r);
    await scene.expectUntouched(before);
  });

  it("another address is not limited", async () => {
    const r = await send(scene.rx.api, { token: good(), from: "127.0.0.2" });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
  });

  it("successes do not count as failures", async () => {
    const from = "127.0.0.3";
    for (let i = 0; i < 4; i++)
      expectRefusal(await send(scene.rx.api, { token: bad(), from }), 401, "ERR_UNKNOWN_KEY");
    for (let i = 0; i < 3; i++)
      expect((await send(scene.rx.api, { token: good(), from })).status).toBe(200);
    // The 5th failure is still answered; only the one after it is limited.
    expectRefusal(await send(scene.rx.api, { token: bad(), from }), 401, "ERR_UNKNOWN_KEY");
    expectLimited(await send(scene.rx.api, { token: good(), from }));
  });

  it("never logged a token", async () => {
    await scene.rx.stop();
    scene.expectNoTokenLogged();
  });
});

describe("behind a TLS proxy listed in trustProxy, each client has its own limit", () => {
  let scene: Scene;
  const bad = () => scene.track(hs256(goodClaims("status"), { alg: "HS256", kid: "nobody" }));
  const good = () => scene.track(hs256(goodClaims("status")));
  const PROXY = "127.0.0.1"; // in trustProxy
  const STRANGER = "127.0.0.9"; // not

  beforeAll(async () => {
    scene = await Scene.start({
      auth: { maxFailuresPerMinute: 3 },
      config: { trustProxy: [PROXY] },
    });
  });
  afterAll(() => scene?.stop());

  it("one client's bad tokens lock that client out, not the proxy and not the next client", async () => {
    const guesser = { from: PROXY, forwardedFor: "203.0.113.7" };
    for (let i = 0; i < 3; i++)
      expectRefusal(await send(scene.rx.api, { token: bad(), ...guesser }), 401, "ERR_UNKNOWN_KEY");
    expectLimited(await send(scene.rx.api, { token: good(), ...guesser }));
    const ci = { from: PROXY, forwardedFor: "198.51.100.20" };
    expect((await send(scene.rx.api, { token: good(), ...ci })).status).toBe(200);
    // A client that writes its own X-Forwarded-For before the proxy appends: the right-most
    // entry not in trustProxy is the one the proxy saw, so the forgery changes nothing.
    const forged = { from: PROXY, forwardedFor: "10.9.9.9, 203.0.113.7" };
    expectLimited(await send(scene.rx.api, { token: good(), ...forged }));
  });

  it("a peer outside trustProxy cannot dodge the limit by writing X-Forwarded-For", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await send(scene.rx.api, {
        token: bad(),
        from: STRANGER,
        forwardedFor: `192.0.2.${i}`,
      });
      expectRefusal(r, 401, "ERR_UNKNOWN_KEY");
    }
    expectLimited(
      await send(scene.rx.api, { token: good(), from: STRANGER, forwardedFor: "192.0.2.99" }),
    );
  });
});

describe("1000 unauthenticated requests in a row (the default limit, 30 a minute)", () => {
  let scene: Scene;
  let body: Buffer;

  beforeAll(async () => {
    // maxFailuresPerMinute left out: the default applies.
    scene = await Scene.start({ auth: { maxFailuresPerMinute: undefined } });
    body = readFileSync(scene.ws.version("v2"));
  });
  afterAll(() => scene?.stop());

  it("the first 30 get 401, the other 970 get 429 with Retry-After; no disk touched, nothing started, the app serves", async () => {
    const before = await scene.observe();
    const logLines = scene.logs.split("\n").length;
    const answers: CallResult[] = [];
    for (let i = 0; i < 1000; i++) {
      // No token at all, or (every third) a deploy with a forged token and a real body.
      if (i % 3 === 2) {
        const token = scene.track(
          await mint({ op: "deploy", sha256: sha256(body), secret: WRONG_SECRET }),
        );
        answers.push(await call(scene.rx.api, "/v1/apps/webdemo/deploy", { token, body }));
      } else {
        answers.push(await call(scene.rx.api, "/v1/apps/webdemo"));
      }
    }
    answers.slice(0, 30).forEach((r, i) => {
      expect(r.status, `request ${i + 1}`).toBe(401);
      expect(r.json).toMatchObject({
        error: { code: i % 3 === 2 ? "ERR_BAD_SIGNATURE" : "ERR_NO_TOKEN" },
      });
    });
    const waits = answers.slice(30).map(expectLimited);
    expect(waits).toHaveLength(970);
    // The window runs from the first failure: the wait never grows.
    for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeLessThanOrEqual(waits[i - 1]!);

    await scene.expectUntouched(before);
    // A thousand refusals are not a thousand log lines (a log on disk is disk too).
    expect(scene.logs.split("\n").length - logLines).toBeLessThan(10);
    expect((await fetch(`${scene.rx.api}/healthz`)).status).toBe(200);
    expect(await (await fetch(scene.rx.gate())).text()).toBe("v1\n");
  });

  it("never logged a token", async () => {
    await scene.rx.stop();
    scene.expectNoTokenLogged();
  });
});

import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { AnswerWindow } from "../../receiver/gate/answer-window.js";
import { canaryBucket, inCanary } from "../../receiver/gate/canary-split.js";
import { trustNobody } from "../../receiver/gate/request-headers.js";
import { judge } from "../../receiver/watch/judge.js";
import { WatchControl } from "../../receiver/watch/watch-control.js";

const rules = { maxErrorRate: 0.02, minRequests: 20 };
const n = (requests: number, errors: number) => ({ requests, errors });
const none = n(0, 0);

describe("judge: the new build's error share beyond its baseline's", () => {
  it("decides nothing before minRequests answered, however bad", () => {
    expect(judge(n(19, 19), none, rules, false)).toBeUndefined();
    expect(judge(n(19, 19), none, rules, true)).toBe("unjudged");
  });

  it("fails early only on evidence, at the end on the share itself", () => {
    expect(judge(n(20, 20), none, rules, false)).toBe("failed"); // every request failed
    expect(judge(n(20, 1), none, rules, false)).toBeUndefined(); // one 5xx proves little yet
    expect(judge(n(20, 1), none, rules, true)).toBe("failed"); // 5% > 2% at the end
    expect(judge(n(100, 2), none, rules, true)).toBe("passed"); // 2% is within
    expect(judge(n(100, 3), none, rules, true)).toBe("failed");
    expect(judge(n(1000, 60), none, rules, false)).toBe("failed"); // 6%: sure by now
  });

  it("never fails early a build as good as the old one, answer by answer", () => {
    const base = n(3000, 30); // the old version: 1% errors
    for (let requests = 20; requests <= 3000; requests++) {
      // One error more than 1% at every step: as good as the old one, slightly unlucky.
      const errors = Math.floor(requests / 100) + 1;
      expect(
        judge(n(requests, errors), base, rules, false),
        `${errors}/${requests}`,
      ).toBeUndefined();
    }
  });

  it("drops a build that fails a third of its requests within its first hundred answers", () => {
    let decided: number | undefined;
    for (let requests = 20; requests <= 100 && decided === undefined; requests++) {
      if (judge(n(requests, Math.floor(requests / 3)), none, rules, false) === "failed")
        decided = requests;
    }
    expect(decided).toBeDefined();
    expect(decided!).toBeLessThanOrEqual(40);
  });

  it("does not blame the new build for what its baseline shows too", () => {
    expect(judge(n(100, 100), n(300, 300), rules, true)).toBe("passed"); // both down
    expect(judge(n(100, 11), n(100, 10), rules, true)).toBe("passed"); // 11% vs 10%
    expect(judge(n(100, 13), n(100, 10), rules, true)).toBe("failed"); // 3 points worse
  });

  it("takes a baseline of fewer than minRequests answers as 0%", () => {
    expect(judge(n(100, 50), n(2, 2), rules, true)).toBe("failed");
  });

  it("with maxErrorRate 0, fails any error at the end", () => {
    expect(judge(n(20, 1), none, { maxErrorRate: 0, minRequests: 20 }, true)).toBe("failed");
    expect(judge(n(20, 0), none, { maxErrorRate: 0, minRequests: 20 }, true)).toBe("passed");
  });
});

const request = (address: string, cookie?: string) =>
  ({
    socket: { remoteAddress: address },
    headers: cookie === undefined ? {} : { cookie },
  }) as unknown as IncomingMessage;

describe("canaryBucket: one client, one side", () => {
  it("keeps a client on its side, by its cookie wherever it comes from, else by its address", () => {
    const byCookie = canaryBucket(request("10.0.0.1", "a=1; hotswap-canary=user-42"), trustNobody);
    expect(canaryBucket(request("10.9.9.9", "hotswap-canary=user-42; b=2"), trustNobody)).toBe(
      byCookie,
    );
    const byAddress = canaryBucket(request("10.0.0.7"), trustNobody);
    expect(canaryBucket(request("10.0.0.7", "other=x"), trustNobody)).toBe(byAddress);
    expect(canaryBucket(request("10.0.0.7", "hotswap-canary="), trustNobody)).toBe(byAddress);
  });

  it("sends about `share` of many clients to the canary", () => {
    const buckets = Array.from({ length: 10_000 }, (_, i) =>
      canaryBucket(request("127.0.0.1", `hotswap-canary=client-${i}`), trustNobody),
    );
    const share = (s: number) => buckets.filter((b) => inCanary(b, s)).length / buckets.length;
    expect(share(0.1)).toBeGreaterThan(0.09);
    expect(share(0.1)).toBeLessThan(0.11);
    expect(share(0.5)).toBeGreaterThan(0.48);
    expect(share(0.5)).toBeLessThan(0.52);
  });

  it("believes X-Forwarded-For only from a trusted proxy", () => {
    const proxied = (xff: string) =>
      ({
        socket: { remoteAddress: "10.0.0.1" },
        headers: { "x-forwarded-for": xff },
      }) as unknown as IncomingMessage;
    const proxy = (a: string | undefined) => a === "10.0.0.1";
    expect(canaryBucket(proxied("203.0.113.5"), proxy)).toBe(
      canaryBucket(request("203.0.113.5"), trustNobody),
    );
    expect(canaryBucket(proxied("203.0.113.5"), trustNobody)).toBe(
      canaryBucket(request("10.0.0.1"), trustNobody),
    );
  });
});

describe("AnswerWindow: the last minute of answers", () => {
  it("counts answers and errors, and forgets a window once twelve rolls have passed it", () => {
    const w = new AnswerWindow();
    w.add(false);
    w.add(true);
    expect(w.counts()).toEqual({ requests: 2, errors: 1 });
    for (let i = 0; i < 11; i++) w.roll();
    w.add(false);
    expect(w.counts()).toEqual({ requests: 3, errors: 1 });
    w.roll();
    expect(w.counts()).toEqual({ requests: 1, errors: 0 });
  });
});

describe("WatchControl: one ending, and none once judging is over", () => {
  it("takes the first end only, and no end after close", () => {
    const control = new WatchControl("d-1", { requests: 0, errors: 0 });
    expect(control.end("promoted", "key ci")).toBe(true);
    expect(control.end("aborted", "the admin page")).toBe(false);
    expect(control.ending).toEqual({ how: "promoted", by: "key ci" });
    const closed = new WatchControl("d-2", { requests: 0, errors: 0 });
    closed.close();
    expect(closed.end("aborted", "rollback d-3")).toBe(false);
    expect(closed.ending).toBeUndefined();
  });
});

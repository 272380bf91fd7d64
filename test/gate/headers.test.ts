import { afterEach, describe, expect, it } from "vitest";
import { cleanup, rawRequest, startGate, startUpstream } from "./fixtures.js";

afterEach(cleanup);

describe("gate headers", () => {
  it("drops hop-by-hop headers both ways and adds X-Forwarded-*", async () => {
    const up = await startUpstream(0, (_req, res) => {
      res.setHeader("connection", "keep-alive, x-upstream-hop");
      res.setHeader("x-upstream-hop", "private");
      res.setHeader("proxy-connection", "keep-alive");
      res.setHeader("trailer", "x-checksum");
      res.setHeader("x-app", "kept");
      res.end("hello");
    });
    const { port } = await startGate(() => [up.target]);
    const answer = await rawRequest(
      port,
      [
        "GET /who?x=1 HTTP/1.1",
        "Host: shop.example",
        "Connection: close, X-Hop",
        "X-Hop: secret",
        "Keep-Alive: timeout=9",
        "Proxy-Connection: keep-alive",
        "TE: trailers",
        "Trailer: x-sum",
        "Upgrade: h2c",
        "X-Forwarded-For: 203.0.113.9",
        "X-Forwarded-Proto: https",
        "X-Kept: yes",
        "",
        "",
      ].join("\r\n"),
    );

    const seen = up.seen[0]?.headers ?? {};
    expect(seen).toMatchObject({ host: "shop.example", "x-kept": "yes" });
    for (const name of ["x-hop", "keep-alive", "proxy-connection", "te", "trailer", "upgrade"]) {
      expect(seen[name], name).toBeUndefined();
    }
    expect([undefined, "keep-alive"]).toContain(seen.connection); // undici's own, if any
    expect(seen["x-forwarded-for"]).toBe("203.0.113.9, 127.0.0.1");
    expect(seen["x-forwarded-proto"]).toBe("http");
    expect(seen["x-forwarded-host"]).toBe("shop.example");

    const [head = "", body] = answer.split("\r\n\r\n");
    const lines = head.toLowerCase().split("\r\n");
    expect(lines[0]).toBe("http/1.1 200 ok");
    expect(lines).toContain("x-app: kept");
    expect(lines).toContain("connection: close"); // the gate's own connection, not the app's
    for (const name of ["x-upstream-hop", "proxy-connection", "trailer"]) {
      expect(
        lines.some((line) => line.startsWith(`${name}:`)),
        name,
      ).toBe(false);
    }
    expect(body).toContain("hello");
  });
});

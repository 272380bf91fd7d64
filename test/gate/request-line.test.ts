import { afterEach, describe, expect, it } from "vitest";
import { cleanup, rawRequest, startGate, startUpstream } from "./fixtures.js";

afterEach(cleanup);

const get = (target: string, ...headers: string[]) =>
  [`GET ${target} HTTP/1.1`, ...headers, "Connection: close", "", ""].join("\r\n");

describe("gate request line and forwarding headers", () => {
  it("accepts an absolute-form target and takes Host from it (RFC 9112 §3.2.2)", async () => {
    const up = await startUpstream(0);
    const { port } = await startGate(() => [up.target]);
    const answer = await rawRequest(
      port,
      get("http://shop.example:8080/a/b?c=1", "Host: other.example"),
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(up.seen[0]).toMatchObject({ url: "/a/b?c=1" });
    expect(up.seen[0]?.headers.host).toBe("shop.example:8080");
    expect(up.seen[0]?.headers["x-forwarded-host"]).toBe("shop.example:8080");
  });

  it("refuses a target that is neither a path nor an absolute URL", async () => {
    const up = await startUpstream(0);
    const { port } = await startGate(() => [up.target]);
    const answer = await rawRequest(port, get("ftp://x/y", "Host: x"));
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/needs a path starting with \//);
    expect(up.seen).toHaveLength(0);
  });

  it("keeps Host even when the client names it in Connection", async () => {
    const up = await startUpstream(0);
    const { port } = await startGate(() => [up.target]);
    await rawRequest(
      port,
      ["GET / HTTP/1.1", "Host: shop.example", "Connection: close, Host", "", ""].join("\r\n"),
    );
    expect(up.seen[0]?.headers.host).toBe("shop.example");
  });

  it("believes X-Forwarded-Proto and -Host only from a trusted proxy", async () => {
    const up = await startUpstream(0);
    const forwarded = [
      "Host: internal:8080",
      "X-Forwarded-Proto: https",
      "X-Forwarded-Host: shop.example",
    ];
    const untrusted = await startGate(() => [up.target], { trustProxy: () => false });
    await rawRequest(untrusted.port, get("/", ...forwarded));
    expect(up.seen[0]?.headers).toMatchObject({
      "x-forwarded-proto": "http",
      "x-forwarded-host": "internal:8080",
      "x-forwarded-for": "127.0.0.1",
    });
    const peers: (string | undefined)[] = [];
    const trustProxy = (address: string | undefined) => (peers.push(address), true);
    const trusted = await startGate(() => [up.target], { trustProxy });
    await rawRequest(trusted.port, get("/", ...forwarded, "X-Forwarded-For: 198.51.100.7"));
    expect(up.seen[1]?.headers).toMatchObject({
      "x-forwarded-proto": "https",
      "x-forwarded-host": "shop.example",
      "x-forwarded-for": "198.51.100.7, 127.0.0.1",
    });
    expect(peers).toEqual(["127.0.0.1"]);
  });
});

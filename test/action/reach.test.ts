// The bundled action against a receiver it cannot talk to: the wrong scheme for the port
// (https to plain HTTP, http to TLS) said as such with the fix, and a host name that does
// not resolve given up within its bound (GIVE_UP_MS.dns), well inside the step's timeout.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GIVE_UP_MS } from "../../api-client/retry.js";
import { makeCertificate } from "../helpers/certificate.js";
import { runAction } from "../helpers/run-action.js";

const SECRET = "0123456789abcdef0123456789abcdef-test";
let dir: string;
let plain: Server;
let tls: Server;
let hits: string[];

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hotswap-reach-"));
  const { cert, key } = makeCertificate(dir);
  hits = [];
  const answer = (name: string) => (_: unknown, res: { end(text: string): void }) => {
    hits.push(name);
    res.end("{}");
  };
  plain = createHttpServer(answer("plain"));
  tls = createHttpsServer({ cert: await readFile(cert), key: await readFile(key) }, answer("tls"));
});
afterAll(async () => {
  await Promise.all([plain, tls].map((s) => new Promise((resolve) => s.close(resolve))));
  await rm(dir, { recursive: true, force: true });
});

const swap = (url: string) =>
  runAction({ inputs: { url, app: "webdemo", operation: "swap", key: SECRET } });

describe("the bundled action cannot reach the receiver", () => {
  it("an https url to a plain-HTTP port says so and how to fix it, at once", async () => {
    const port = await listen(plain);
    const run = await swap(`https://127.0.0.1:${port}`);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `::error::https://127.0.0.1:${port} answered plain HTTP, not TLS: the receiver has no tls: configured on this port.`,
    );
    expect(run.stdout).toContain(`Use url: http://127.0.0.1:${port} (allowed on loopback only)`);
    expect(run.stdout).toContain("set tls: {cert, key} in the receiver's config");
    expect(run.stdout).not.toContain("trying again");
    expect(run.stdout).not.toContain("ssl3_get_record");
  });

  it("an http url to a TLS port says to use https, at once", async () => {
    const port = await listen(tls);
    const run = await swap(`http://127.0.0.1:${port}`);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `::error::http://127.0.0.1:${port} speaks TLS, not plain HTTP: it reset the connection on a plain request and completed a TLS handshake. Use url: https://127.0.0.1:${port}`,
    );
    expect(run.stdout).not.toContain("trying again");
    expect(hits).toEqual([]);
  });

  it(
    "a host name that does not resolve is given up after the DNS bound, naming the host and why",
    { timeout: 120_000 },
    async () => {
      // The default bound, not one shortened for the test; the step's timeout is 900 s.
      expect(GIVE_UP_MS.dns).toBe(30_000);
      const run = await swap("https://nonexistent.invalid");
      expect(run.code).toBe(1);
      const tries = run.stdout.match(
        /; trying again in [\d.]+ m?s \(try \d+, giving up 30\.0 s after the first\)/g,
      );
      expect(tries?.length).toBeGreaterThanOrEqual(3);
      expect(run.stdout).toMatch(
        /::error::cannot reach https:\/\/nonexistent\.invalid: getaddrinfo (ENOTFOUND|EAI_AGAIN) nonexistent\.invalid \(the host name .*check url for a typo.*\); gave up after \d+ tries over 3\d\.\d s/,
      );
      expect(run.stdout).not.toContain("timed out after");
    },
  );
});

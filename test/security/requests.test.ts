// Attacks on the HTTP layer rather than on the token: odd app names and paths, a
// rollback target that climbs out of the releases, headers too large, bodies that lie
// about their length, chunked bodies, request smuggling and a client that drips one byte
// a second. Most are sent byte for byte on a raw socket, so nothing in between (fetch,
// URL normalization) cleans them up. Each gets its documented status, writes nothing
// but the jti of a token that passed, starts no process, leaves the app's lock free and
// no token in the log.
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Op, ReleaseInfo } from "../../receiver/protocol.js";
import { call, sha256, type CallResult } from "../helpers/api-client.js";
import { waitFor } from "../helpers/wait-for.js";
import { expectRefusal, goodClaims, hs256, Scene } from "./fixture.js";

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

// One connection that sends exactly the bytes it is given and parses what comes back
// (Content-Length, chunked, or up to the close), answer by answer.
class RawClient {
  readonly answers: RawAnswer[] = [];
  closed = false;
  private pending = Buffer.alloc(0);

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      this.parse(false);
    });
    socket.on("close", () => {
      this.parse(true);
      this.closed = true;
    });
    socket.on("error", () => {}); // a reset ends the connection like a close
  }

  static open(api: string): Promise<RawClient> {
    const { hostname, port } = new URL(api);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => resolve(new RawClient(socket)));
      socket.once("error", reject);
    });
  }

  write(data: string | Buffer): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.socket.write(data, () => resolve()));
  }

  hangUp(): void {
    this.socket.destroy();
  }

  /** Answer number `i`, or undefined when the connection closed without it. */
  async answer(i = 0, timeoutMs = 15_000): Promise<RawAnswer | undefined> {
    await waitFor(() => this.answers.length > i || this.closed, `answer ${i}`, timeoutMs);
    return this.answers[i];
  }

  async close(): Promise<void> {
    await waitFor(() => this.closed, "the receiver to close the connection");
  }

  private parse(atEnd: boolean): void {
    for (;;) {
      const end = this.pending.indexOf("\r\n\r\n");
      if (end < 0) return;
      const [statusLine = "", ...lines] = this.pending.subarray(0, end).toString().split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const start = end + 4;
      let next: number;
      let body: Buffer;
      if (headers["content-length"] !== undefined) {
        next = start + Number(headers["content-length"]);
        if (this.pending.length < next) return;
        body = this.pending.subarray(start, next);
      } else if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
        const parts: Buffer[] = [];
        next = start;
        for (;;) {
          const lineEnd = this.pending.indexOf("\r\n", next);
          if (lineEnd < 0) return;
          const size = parseInt(this.pending.subarray(next, lineEnd).toString(), 16);
          if (this.pending.length < lineEnd + 4 + size) return;
          parts.push(this.pending.subarray(lineEnd + 2, lineEnd + 2 + size));
          next = lineEnd + 4 + size;
          if (size === 0) break;
        }
        body = Buffer.concat(parts);
      } else {
        if (!atEnd) return;
        next = this.pending.length;
        body = this.pending.subarray(start);
      }
      this.answers.push({
        status: Number(statusLine.split(" ")[1]),
        headers,
        body: body.toString(),
      });
      this.pending = this.pending.subarray(next);
    }
  }
}

/** A raw answer in the shape expectRefusal reads. */
function asCall(a: RawAnswer | undefined): CallResult {
  if (!a) throw new Error("the connection closed without an answer");
  let json: unknown = a.body;
  try {
    json = JSON.parse(a.body);
  } catch {
    // not JSON: Node's own answer to a request it could not parse
  }
  return { status: a.status, headers: new Headers(a.headers), json, events: [] };
}

const head = (method: string, path: string, headers: Record<string, string | number>) =>
  `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("")}\r\n`;

describe("HTTP-level attacks are refused and leave no trace", () => {
  let scene: Scene;
  let body: Buffer;
  let sha: string;
  let release: ReleaseInfo;

  beforeAll(async () => {
    scene = await Scene.start({ config: { uploadIdleTimeout: "2s", uploadMinRate: 100 } });
    // A first deploy, so that a kept release (v1) exists for the rollback attacks.
    const v2 = readFileSync(scene.ws.version("v2"));
    const deployed = await call(scene.rx.api, "/v1/apps/webdemo/deploy", {
      token: token("deploy", { sha256: sha256(v2) }),
      body: v2,
    });
    expect(deployed.result, JSON.stringify(deployed.json ?? deployed.events)).toMatchObject({
      ok: true,
    });
    const status = await call(scene.rx.api, "/v1/apps/webdemo", { token: token("status") });
    release = (status.json as { releases: ReleaseInfo[] }).releases[0]!;
    expect(release).toBeDefined();
    body = readFileSync(scene.ws.version("v3"));
    sha = sha256(body);
  });
  afterAll(() => scene?.stop());

  function token(op: Op, overrides: Record<string, unknown> = {}): string {
    return scene.track(hs256(goodClaims(op, overrides)));
  }

  /** Headers of a deploy of `body` with a good token, unless overridden. */
  function deployHeaders(overrides: Record<string, string | number> = {}) {
    return {
      authorization: `Bearer ${token("deploy", { sha256: sha })}`,
      "content-type": "application/octet-stream",
      "x-hotswap-sha256": sha,
      "content-length": body.length,
      ...overrides,
    };
  }

  const bearer = (headers: Record<string, string | number>) =>
    String(headers.authorization).replace(/^Bearer /, "");

  describe("app names", () => {
    // The token is good and bound to the name as the receiver decodes it, so the
    // request gets past authentication to the app lookup (or fails the route first).
    it.each<[string, string, string, string]>([
      ["dot-dot segments", "ERR_NOT_FOUND", "GET", "/v1/apps/../../../etc/passwd"],
      ["encoded dots", "ERR_NOT_FOUND", "POST", "/v1/apps/%2e%2e/%2e%2e/deploy"],
      ["encoded slashes", "ERR_UNKNOWN_APP", "GET", "/v1/apps/..%2F..%2F..%2Fetc%2Fpasswd"],
      ["encoded backslashes", "ERR_UNKNOWN_APP", "GET", "/v1/apps/..%5C..%5Cdeploy%5Cwebdemo"],
      ["an absolute path", "ERR_UNKNOWN_APP", "POST", "/v1/apps/%2Fetc%2Fpasswd/deploy"],
      ["the data folder", "ERR_UNKNOWN_APP", "GET", "/v1/apps/.hotswap"],
      ["updateFile's name", "ERR_UNKNOWN_APP", "POST", "/v1/apps/webdemo_update/deploy"],
      ["a NUL byte", "ERR_UNKNOWN_APP", "POST", "/v1/apps/webdemo%00/deploy"],
      ["upper case", "ERR_UNKNOWN_APP", "GET", "/v1/apps/WEBDEMO"],
      ["__proto__", "ERR_UNKNOWN_APP", "GET", "/v1/apps/__proto__"],
      ["constructor", "ERR_UNKNOWN_APP", "POST", "/v1/apps/constructor/deploy"],
      ["invalid UTF-8", "ERR_UNKNOWN_APP", "GET", "/v1/apps/%ff%fe"],
      ["CR LF and a forged log line", "ERR_UNKNOWN_APP", "GET", "/v1/apps/x%0D%0Ainfo%20FORGED"],
      ["5000 characters", "ERR_UNKNOWN_APP", "GET", `/v1/apps/${"a".repeat(5000)}`],
    ])("%s: 404 %s", async (_, code, method, path) => {
      const raw = path.split("/")[3] ?? "";
      let name = raw;
      try {
        name = decodeURIComponent(raw);
      } catch {
        // invalid UTF-8 stays as sent
      }
      const op = method === "GET" ? "status" : "deploy";
      const before = await scene.observe();
      const client = await RawClient.open(scene.rx.api);
      const headers: Record<string, string | number> =
        op === "deploy" ? deployHeaders() : { "content-length": 0 };
      headers.authorization = `Bearer ${token(op, { app: name, sha256: sha })}`;
      await client.write(head(method, path, headers));
      if (op === "deploy") await client.write(body);
      const r = asCall(await client.answer());
      client.hangUp();
      expectRefusal(r, 404, code);
      await scene.expectUntouched(before);
      expect(scene.logs).not.toMatch(/FORGED/);
    });
  });

  describe("rollback?to= names only a kept release", () => {
    it.each<[string, () => string]>([
      ["a relative traversal", () => "../../../etc/passwd"],
      ["an encoded traversal", () => "..%2F..%2F..%2Fetc%2Fpasswd"],
      ["an absolute path", () => "/etc/passwd"],
      ["a kept release's id, then a traversal", () => `${release.id}/../../../../deploy/webdemo`],
      ["a kept release's folder climbing back", () => `../${release.id}`],
      ["a kept release's id with a NUL byte", () => `${release.id}%00`],
    ])("%s: 404 ERR_NO_RELEASE, exeFile as it was", async (_, to) => {
      const t = token("rollback");
      const before = await scene.observe();
      const r = await call(scene.rx.api, `/v1/apps/webdemo/rollback?to=${to()}`, {
        method: "POST",
        token: t,
      });
      expectRefusal(r, 404, "ERR_NO_RELEASE");
      await scene.expectUntouched(before, [t]);
    });
  });

  describe("headers", () => {
    it.each<[string, () => Record<string, string | number>]>([
      ["a 20 KiB header", () => deployHeaders({ "x-pad": "a".repeat(20 * 1024) })],
      [
        "a 17 KiB bearer token",
        () =>
          deployHeaders({
            authorization: `Bearer ${token("deploy", { pad: "x".repeat(17_000) })}`,
          }),
      ],
      [
        "200 headers of 100 bytes",
        () => {
          const many: Record<string, string> = {};
          for (let i = 0; i < 200; i++) many[`x-h${i}`] = "b".repeat(100);
          return deployHeaders(many);
        },
      ],
    ])("%s: 431, nothing read", async (_, headers) => {
      const before = await scene.observe();
      const client = await RawClient.open(scene.rx.api);
      await client.write(head("POST", "/v1/apps/webdemo/deploy", headers()));
      await client.write(body);
      const a = await client.answer();
      expect(a?.status).toBe(431);
      await client.close();
      await scene.expectUntouched(before);
    });
  });

  describe("Content-Length lies", () => {
    it("10 bytes short of the body, the rest garbage: 400, nothing staged, the lock free", async () => {
      const before = await scene.observe();
      const headers = deployHeaders({ "content-length": body.length - 10 });
      const client = await RawClient.open(scene.rx.api);
      await client.write(head("POST", "/v1/apps/webdemo/deploy", headers));
      await client.write(body);
      const first = asCall(await client.answer());
      // The receiver's digest check, or Node's answer to the garbage that follows.
      expect(first.status).toBe(400);
      if (typeof first.json === "object") expectRefusal(first, 400, "ERR_DIGEST_MISMATCH");
      client.hangUp();
      const probes = await scene.waitForLockFree();
      await scene.expectUntouched(before, [bearer(headers), ...probes]);
    });

    it("short, and what follows is a smuggled unauthenticated swap: it never runs", async () => {
      const before = await scene.observe();
      const smuggled = head("POST", "/v1/apps/webdemo/swap", { "content-length": 0 });
      const headers = deployHeaders({ "content-length": body.length - smuggled.length });
      const client = await RawClient.open(scene.rx.api);
      await client.write(head("POST", "/v1/apps/webdemo/deploy", headers));
      await client.write(
        Buffer.concat([body.subarray(0, body.length - smuggled.length), Buffer.from(smuggled)]),
      );
      expectRefusal(asCall(await client.answer(0)), 400, "ERR_DIGEST_MISMATCH");
      await client.close();
      for (const a of client.answers.slice(1)) expectRefusal(asCall(a), 401, "ERR_NO_TOKEN");
      const probes = await scene.waitForLockFree();
      await scene.expectUntouched(before, [bearer(headers), ...probes]);
    });

    it("longer than the body, and the client waits: 408 ERR_UPLOAD_TIMEOUT, the lock free", async () => {
      const before = await scene.observe();
      const headers = deployHeaders({ "content-length": body.length + 1000 });
      const client = await RawClient.open(scene.rx.api);
      await client.write(head("POST", "/v1/apps/webdemo/deploy", headers));
      await client.write(body);
      expectRefusal(asCall(await client.answer()), 408, "ERR_UPLOAD_TIMEOUT");
      await client.close();
      const probes = await scene.waitForLockFree();
      await scene.expectUntouched(before, [bearer(headers), ...probes]);
    });
  });

  describe("chunked and ambiguous bodies", () => {
    const chunked = () =>
      Buffer.concat([
        Buffer.from(`${body.length.toString(16)}\r\n`),
        body,
        Buffer.from("\r\n0\r\n\r\n"),
      ]);

    it("Transfer-Encoding: chunked: 411 ERR_LENGTH_REQUIRED, nothing read", async () => {
      const before = await scene.observe();
      const headers = deployHeaders({ "transfer-encoding": "chunked" });
      delete (headers as Record<string, unknown>)["content-length"];
      const client = await RawClient.open(scene.rx.api);
      await client.write(head("POST", "/v1/apps/webdemo/deploy", headers));
      await client.write(chunked());
      expectRefusal(asCall(await client.answer()), 411, "ERR_LENGTH_REQUIRED");
      client.hangUp();
      await scene.expectUntouched(before, [bearer(headers)]);
    });

    it.each<[string, Record<string, string | number>]>([
      [
        "both Transfer-Encoding: chunked and Content-Length (CL.TE)",
        { "transfer-encoding": "chunked" },
      ],
      [
        "two Content-Length headers that disagree",
        { "content-length": "100\r\ncontent-length: 10" },
      ],
      ["a Content-Length that is not a number", { "content-length": "0x10" }],
      ["a negative Content-Length", { "content-length": -1 }],
    ])("%s: 400 from the parser, never reaching the API", async (_, overrides) => {
      const before = await scene.observe();
      const headers = deployHeaders(overrides);
      const client = await RawClient.open(scene.rx.api);
      await client.write(head("POST", "/v1/apps/webdemo/deploy", headers));
      await client.write(overrides["transfer-encoding"] ? chunked() : body);
      expect((await client.answer())?.status).toBe(400);
      await client.close();
      // The token was never checked, so not even its jti is written.
      await scene.expectUntouched(before);
    });
  });

  it("a slow client, one byte a second: 408 ERR_UPLOAD_TIMEOUT while it still sends, lock held then freed", async () => {
    const before = await scene.observe();
    const headers = deployHeaders();
    const client = await RawClient.open(scene.rx.api);
    await client.write(head("POST", "/v1/apps/webdemo/deploy", headers));
    let sent = 0;
    const drip = setInterval(() => void client.write(body.subarray(sent, ++sent)), 1000);
    try {
      // While it drips, the upload holds the app's lock: a swap is refused as busy.
      const busy = token("swap");
      const during = await call(scene.rx.api, "/v1/apps/webdemo/swap", {
        method: "POST",
        token: busy,
      });
      expectRefusal(during, 409, "ERR_BUSY");
      expectRefusal(asCall(await client.answer(0, 20_000)), 408, "ERR_UPLOAD_TIMEOUT");
      expect(sent).toBeLessThan(body.length);
      const probes = await scene.waitForLockFree();
      await scene.expectUntouched(before, [bearer(headers), busy, ...probes]);
    } finally {
      clearInterval(drip);
      client.hangUp();
    }
  });

  describe("other refusals before the body", () => {
    it("a bad token on a 1 MiB deploy is answered before one byte of the body is sent", async () => {
      const before = await scene.observe();
      const client = await RawClient.open(scene.rx.api);
      const bad = scene.track(
        hs256(goodClaims("deploy", { sha256: sha }), { alg: "HS256", typ: "JWT", kid: "nobody" }),
      );
      await client.write(
        head(
          "POST",
          "/v1/apps/webdemo/deploy",
          deployHeaders({ authorization: `Bearer ${bad}`, "content-length": 1024 * 1024 - 1 }),
        ),
      );
      expectRefusal(asCall(await client.answer()), 401, "ERR_UNKNOWN_KEY");
      await client.close();
      await scene.expectUntouched(before);
    });

    it("Content-Length over maxUploadSize: 413 before one byte of the body is sent", async () => {
      const before = await scene.observe();
      const headers = deployHeaders({ "content-length": 2 * 1024 * 1024 });
      const client = await RawClient.open(scene.rx.api);
      await client.write(head("POST", "/v1/apps/webdemo/deploy", headers));
      expectRefusal(asCall(await client.answer()), 413, "ERR_TOO_LARGE");
      await client.close();
      await scene.expectUntouched(before, [bearer(headers)]);
    });

    it("a multipart form: 415 ERR_MEDIA_TYPE", async () => {
      const before = await scene.observe();
      const headers = deployHeaders({ "content-type": "multipart/form-data; boundary=x" });
      const client = await RawClient.open(scene.rx.api);
      await client.write(head("POST", "/v1/apps/webdemo/deploy", headers));
      await client.write(body);
      expectRefusal(asCall(await client.answer()), 415, "ERR_MEDIA_TYPE");
      client.hangUp();
      await scene.expectUntouched(before, [bearer(headers)]);
    });

    it.each(["GET", "PUT", "PATCH", "DELETE"])(
      "%s on the deploy route: 404 ERR_NOT_FOUND",
      async (method) => {
        const before = await scene.observe();
        const client = await RawClient.open(scene.rx.api);
        await client.write(head(method, "/v1/apps/webdemo/deploy", deployHeaders()));
        await client.write(body);
        expectRefusal(asCall(await client.answer()), 404, "ERR_NOT_FOUND");
        client.hangUp();
        await scene.expectUntouched(before);
      },
    );
  });

  it("never logged a token", async () => {
    expect(scene.tokens.length).toBeGreaterThan(40);
    await scene.rx.stop();
    scene.expectNoTokenLogged();
  });
});

// Its own receiver: a client that hangs up mid-upload has crashed the receiver (an
// unhandled 'aborted' rejection), which must not take the rest of the catalogue with it.
describe("a client that hangs up mid-upload", () => {
  let scene: Scene;
  let body: Buffer;
  // A receiver each, so that one crash does not fail the other case too.
  beforeEach(async () => {
    scene = await Scene.start();
    body = readFileSync(scene.ws.version("v3"));
  });
  afterEach(() => scene?.stop());

  // The race it loses is timing-dependent (the close must land while the receiver writes
  // a chunk to disk): the bytes go out and the socket is destroyed in one tick, twenty times.
  it.each([
    ["after the whole body, Content-Length 1000 bytes longer", (b: Buffer) => b, 1000],
    ["half way through the body", (b: Buffer) => b.subarray(0, b.length >> 1), 0],
  ])("%s: aborted, no temp file, the lock free, the receiver alive", async (_, part, extra) => {
    const before = await scene.observe();
    const spent: string[] = [];
    for (let i = 0; i < 20; i++) {
      const t = scene.track(hs256(goodClaims("deploy", { sha256: sha256(body) })));
      spent.push(t);
      const client = await RawClient.open(scene.rx.api);
      const headers = {
        authorization: `Bearer ${t}`,
        "content-type": "application/octet-stream",
        "x-hotswap-sha256": sha256(body),
        "content-length": body.length + extra,
      };
      void client.write(head("POST", "/v1/apps/webdemo/deploy", headers));
      void client.write(part(body));
      client.hangUp();
      try {
        spent.push(...(await scene.waitForLockFree()));
      } catch (error) {
        // A refused connection: wait for the exit to show, to say so rather than "fetch failed".
        await waitFor(() => scene.rx.child.exitCode !== null, "an exit", 2000).catch(() => {});
        const tail = scene.logs.split("\n").slice(-12).join("\n");
        const died = `the receiver died after hang-up ${i + 1}:\n${tail}`;
        expect(scene.rx.child.exitCode, died).toBe(null);
        throw error;
      }
    }
    expect((await fetch(`${scene.rx.api}/healthz`)).status).toBe(200);
    await scene.expectUntouched(before, spent);
  });
});

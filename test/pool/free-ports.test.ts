import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { freePorts, serverPortRange } from "../../receiver/pool/free-ports.js";

const held: Server[] = [];
afterEach(async () => {
  await Promise.all(held.splice(0).map((s) => new Promise((done) => s.close(done))));
});
const hold = (port: number) =>
  new Promise<void>((resolve, reject) => {
    const server = createServer();
    held.push(server);
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port, exclusive: true }, resolve);
  });

describe("servers' ports", () => {
  it("come from just below the OS's ephemeral range, where outgoing connections never land", () => {
    const proc = () => "32768\t60999\n";
    expect(serverPortRange("linux", proc, {})).toEqual([16384, 32767]);
    expect(serverPortRange("win32", proc, {})).toEqual([32768, 49151]);
    expect(serverPortRange("darwin", proc, {})).toEqual([32768, 49151]);
    expect(serverPortRange("linux", () => "10000 60999", {})).toEqual([1024, 9999]);
    // No /proc, or nonsense in it: IANA's range.
    const none = () => {
      throw new Error("ENOENT");
    };
    expect(serverPortRange("linux", none, {})).toEqual([32768, 49151]);
    expect(serverPortRange("linux", () => "junk", {})).toEqual([32768, 49151]);
    // HOTSWAP_SERVER_PORTS where the host's ranges are its own; nonsense in it is ignored.
    const env = { HOTSWAP_SERVER_PORTS: "20000-21000" };
    expect(serverPortRange("win32", proc, env)).toEqual([20000, 21000]);
    for (const bad of ["80-90", "3000", "9-8", "30000-70000"])
      expect(serverPortRange("linux", proc, { HOTSWAP_SERVER_PORTS: bad })).toEqual([16384, 32767]);
  });

  it("are free, distinct and in that range on this machine", async () => {
    const [low, high] = serverPortRange();
    const ports = await freePorts(20);
    expect(new Set(ports).size).toBe(20);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(low);
      expect(port).toBeLessThanOrEqual(high);
      await hold(port); // free: it can be listened on now
    }
  });

  it("skip ports taken in the range, and take any port once the whole range is taken", async () => {
    // Two neighbouring free ports in the range, the lower one then taken.
    let taken = 0;
    for (const port of await freePorts(20)) {
      if (taken) break;
      try {
        await hold(port + 1); // free now: released at once, taken back by freePorts below
        await new Promise((done) => held.pop()!.close(done));
        taken = port;
      } catch {
        held.pop(); // port + 1 is someone's: try the next
      }
    }
    expect(taken).toBeGreaterThan(0);
    await hold(taken);
    // A range of two with one taken: the other one, not the OS's pick.
    expect(await freePorts(1, [taken, taken + 1])).toEqual([taken + 1]);
    // A range of that one port: the OS's pick instead.
    expect(await freePorts(1, [taken, taken])).not.toEqual([taken]);
  });
});

import { describe, expect, it } from "vitest";
import { takeListenFds } from "../../receiver/lifecycle/listen-fds.js";

// How the receiver reads sockets passed by systemd (docs/design.md §7): for this pid only,
// fds from 3 named in order, and the variables gone afterwards.
describe("takeListenFds", () => {
  it("names fds 3.. from LISTEN_FDNAMES and clears the variables", () => {
    const env: NodeJS.ProcessEnv = {
      LISTEN_FDS: "3",
      LISTEN_PID: "4242",
      LISTEN_FDNAMES: "api:gate.webdemo",
      OTHER: "kept",
    };
    const fds = takeListenFds(env, 4242);
    expect(fds?.from).toBe("systemd");
    expect([...fds!.byName]).toEqual([
      ["api", 3],
      ["gate.webdemo", 4],
      ["unknown", 5], // fewer names than fds: as systemd names them
    ]);
    expect(env).toEqual({ OTHER: "kept" });
  });

  it("ignores sockets meant for another process (LISTEN_PID), but still clears the variables", () => {
    const env: NodeJS.ProcessEnv = { LISTEN_FDS: "1", LISTEN_PID: "1", LISTEN_FDNAMES: "api" };
    expect(takeListenFds(env, 4242)).toBeUndefined();
    expect(env).toEqual({});
  });

  it("keeps two sockets of one name apart", () => {
    const env: NodeJS.ProcessEnv = { LISTEN_FDS: "2", LISTEN_PID: "7", LISTEN_FDNAMES: "api:api" };
    expect([...takeListenFds(env, 7)!.byName.keys()]).toEqual(["api", "api#1"]);
  });

  it("takes nothing without LISTEN_FDS", () => {
    expect(takeListenFds({ LISTEN_PID: "7" }, 7)).toBeUndefined();
    expect(takeListenFds({ LISTEN_FDS: "0", LISTEN_PID: "7" }, 7)).toBeUndefined();
  });
});

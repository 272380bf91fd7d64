import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { gateFdName } from "../../receiver/lifecycle/listen-fds.js";

// The systemd examples (docs/design.md §7) name their sockets as the receiver reads them,
// and let systemd follow the main pid across an upgrade.
const unit = (file: string) => readFileSync(`examples/systemd/${file}`, "utf8");
const key = (text: string, name: string) => new RegExp(`^${name}=(.*)$`, "m").exec(text)?.[1];

describe("systemd examples", () => {
  it("the .socket units name their sockets api and gate.<app>, for the service", () => {
    const api = unit("hotswap-receiver-api.socket");
    const gate = unit("hotswap-receiver-webdemo.socket");
    expect(key(api, "FileDescriptorName")).toBe("api");
    expect(key(gate, "FileDescriptorName")).toBe(gateFdName("webdemo"));
    for (const socket of [api, gate]) {
      expect(key(socket, "FileDescriptorName")).not.toContain(":"); // systemd refuses it
      expect(key(socket, "Service")).toBe("hotswap-receiver.service");
      expect(key(socket, "ListenStream")).toMatch(/:\d+$/);
    }
  });

  it("the service reloads with SIGHUP and follows the pid in data/receiver.pid", () => {
    const service = unit("hotswap-receiver.service");
    expect(key(service, "ExecReload")).toBe("/bin/kill -HUP $MAINPID");
    expect(key(service, "PIDFile")).toMatch(/\/\.hotswap\/receiver\.pid$/);
    expect(service).toContain("--kill-whom=main --signal=SIGUSR2");
  });
});

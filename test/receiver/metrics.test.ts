import { readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, sha256 } from "../helpers/api-client.js";
import { deploy as deployFile } from "../helpers/deploy.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { waitFor } from "../helpers/wait-for.js";
import { mint } from "../helpers/tokens.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

const sample = (text: string, name: string, labels = "") => {
  const line = text
    .split("\n")
    .find(
      (l) => l.startsWith(`${name}${labels ? `{${labels}}` : "{"}`) || l.startsWith(`${name} `),
    );
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
};

describe("GET /metrics (Prometheus text format)", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;
  const deploy = (file: string) => deployFile(rx, file);
  beforeAll(async () => {
    ws = createWorkspace({ app: { health: { path: "/health", timeout: "2s" } } });
    rx = await startReceiver(ws.configFile);
  });
  afterAll(() => rx?.stop());

  it("counts deploys, rollbacks, hold times, gate requests and servers", async () => {
    for (let i = 0; i < 5; i++) expect((await fetch(`${rx.gate()}/`)).status).toBe(200);
    expect((await deploy(ws.version("v2"))).result?.ok).toBe(true);
    // Three requests arrive while this deploy holds: they wait, then get answers.
    const waiting: Promise<Response>[] = [];
    const body = readFileSync(ws.version("v3", { unhealthy: true }));
    const failed = await call(rx.api, "/v1/apps/webdemo/deploy", {
      token: await mint({ op: "deploy", sha256: sha256(body) }),
      body,
      onEvent: (e) => {
        if (e.type === "step" && e.step === "reload" && e.state === "start") {
          for (let i = 0; i < 3; i++) waiting.push(fetch(`${rx.gate()}/`));
        }
      },
    });
    expect(failed.result).toMatchObject({ ok: false, rolledBack: true });
    expect((await Promise.all(waiting)).map((r) => r.status)).toEqual([200, 200, 200]);
    const back = await call(rx.api, "/v1/apps/webdemo/rollback", {
      method: "POST",
      token: await mint({ op: "rollback" }),
    });
    expect(back.result?.ok).toBe(true);

    const res = await fetch(`${rx.api}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const line of text.trim().split("\n")) {
      expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? -?[\d.e+]+)$/);
    }
    expect(sample(text, "hotswap_operations_total", 'app="webdemo",op="deploy",outcome="ok"')).toBe(
      1,
    );
    expect(
      sample(text, "hotswap_operations_total", 'app="webdemo",op="deploy",outcome="rolled_back"'),
    ).toBe(1);
    expect(
      sample(text, "hotswap_operations_total", 'app="webdemo",op="rollback",outcome="ok"'),
    ).toBe(1);
    expect(sample(text, "hotswap_rollbacks_total", 'app="webdemo",reason="failed_deploy"')).toBe(1);
    expect(sample(text, "hotswap_rollbacks_total", 'app="webdemo",reason="requested"')).toBe(1);
    expect(sample(text, "hotswap_hold_seconds_count", 'app="webdemo"')).toBe(3);
    expect(sample(text, "hotswap_hold_seconds_bucket", 'app="webdemo",le="+Inf"')).toBe(3);
    expect(sample(text, "hotswap_gate_served_total", 'app="webdemo"')).toBeGreaterThanOrEqual(5);
    expect(sample(text, "hotswap_gate_rejected_total", 'app="webdemo"')).toBe(0);
    expect(sample(text, "hotswap_servers_healthy", 'app="webdemo"')).toBe(2);
    expect(sample(text, "hotswap_gate_holding", 'app="webdemo"')).toBe(0);
    expect(
      sample(text, "hotswap_gate_held_requests_total", 'app="webdemo"'),
    ).toBeGreaterThanOrEqual(3);
    expect(sample(text, "hotswap_gate_held_requests", 'app="webdemo"')).toBe(0);
  });

  it("counts server restarts across swaps: the counter never goes back", async () => {
    const metric = async () =>
      sample(
        await (await fetch(`${rx.api}/metrics`)).text(),
        "hotswap_server_restarts_total",
        'app="webdemo"',
      );
    const before = (await metric()) ?? 0;
    const status = await call(rx.api, "/v1/apps/webdemo", { token: await mint({ op: "status" }) });
    const pid = (status.json as { instances: { pid?: number }[] }).instances[0]?.pid;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, "SIGKILL"); // a crash: keepAlive restarts it
    await waitFor(async () => (await metric()) === before + 1, "the restart to be counted");
    expect((await deploy(ws.version("v4"))).result?.ok).toBe(true); // new servers, restarts 0
    expect(await metric()).toBe(before + 1);
    expect(
      sample(
        await (await fetch(`${rx.api}/metrics`)).text(),
        "hotswap_gate_resent_total",
        'app="webdemo"',
      ),
    ).toBe(0); // no traffic met the crash
  });

  it("does not observe an overlap swap in hotswap_hold_seconds: it holds nothing (holdMs 0)", async () => {
    const overlap = createWorkspace({
      app: { strategy: "overlap", health: { path: "/health", timeout: "5s" } },
    });
    const other = await startReceiver(overlap.configFile);
    try {
      const d = await deployFile(other, overlap.version("v2"));
      expect(d.result).toMatchObject({ ok: true, holdMs: 0 });
      const text = await (await fetch(`${other.api}/metrics`)).text();
      expect(
        sample(text, "hotswap_operations_total", 'app="webdemo",op="deploy",outcome="ok"'),
      ).toBe(1);
      expect(sample(text, "hotswap_hold_seconds_count", 'app="webdemo"')).toBeUndefined();
      expect(sample(text, "hotswap_gate_held_requests_total", 'app="webdemo"')).toBe(0);
    } finally {
      await other.stop();
      rmSync(overlap.dir, { recursive: true, force: true });
    }
  });

  it("can be turned off (metrics: false)", async () => {
    const off = createWorkspace({ config: { metrics: false } });
    const other = await startReceiver(off.configFile);
    try {
      expect((await fetch(`${other.api}/metrics`)).status).toBe(404);
    } finally {
      await other.stop();
    }
  });
});

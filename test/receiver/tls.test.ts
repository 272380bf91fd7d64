import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCertificate } from "../helpers/certificate.js";
import { RECEIVER_CLI, startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { runAction } from "../helpers/run-action.js";
import { SECRET } from "../helpers/tokens.js";
import { createWorkspace, receiverEnv, type Workspace } from "../helpers/workspace.js";

describe("the receiver serving HTTPS itself (tls: {cert, key})", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;
  let cert: string;
  beforeAll(async () => {
    const certs = makeCertificate(mkdtempSync(join(tmpdir(), "hotswap-tls-")));
    cert = certs.cert;
    ws = createWorkspace({ config: { tls: certs } });
    rx = await startReceiver(ws.configFile);
  });
  afterAll(() => rx?.stop());

  it("answers over TLS and says so in its log", async () => {
    expect(rx.api).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const agent = new Agent({ connect: { ca: readFileSync(cert) } });
    const res = await request(`${rx.api}/healthz`, { dispatcher: agent });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ ok: true });
    await agent.close();
  });

  it("refuses plain HTTP on the same port", async () => {
    await expect(request(`${rx.api.replace("https:", "http:")}/healthz`)).rejects.toThrow();
  });

  it("takes a deploy from the bundled action over https, trusting the certificate", async () => {
    const workspace = mkdtempSync(join(tmpdir(), "hotswap-tls-ws-"));
    copyFileSync(ws.version("v2"), join(workspace, "webdemo-v2"));
    const run = await runAction({
      inputs: {
        url: rx.api,
        app: "webdemo",
        file: "webdemo-v2",
        key: SECRET,
        "key-id": "ci",
        audience: "https://deploy.test",
      },
      env: { NODE_EXTRA_CA_CERTS: cert },
      workspace,
    });
    expect(run.stderr + run.stdout).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    expect(await (await fetch(`${rx.gate()}/`)).text()).toBe("v2\n");
  });

  it("refuses to start with a certificate it cannot read: one line naming tls.cert, exit 2", () => {
    const bad = createWorkspace({
      config: { tls: { cert: "./missing.pem", key: "./missing-key.pem" } },
    });
    const run = spawnSync(process.execPath, [RECEIVER_CLI, "--config", bad.configFile], {
      env: { ...process.env, ...receiverEnv },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/hotswap\.yaml:\d+:\d+: tls\.cert: cannot read .*missing\.pem/);
    expect(existsSync(join(bad.dir, ".hotswap"))).toBe(false); // nothing started or written
  });
});

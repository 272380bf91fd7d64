// The CLI in a GitHub Actions job without a key (`run: npx hotswap deploy …` with
// `permissions: id-token: write`): it asks the runner's endpoint for an OIDC token bound to
// the call, as the action does, against a stand-in issuer the receiver trusts.
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIssuer, type Issuer } from "../helpers/oidc-issuer.js";
import { cliSite, runHotswap, shown, type CliSite } from "./run-hotswap.js";

const AUDIENCE = "https://deploy.test";

let issuer: Issuer;
let site: CliSite;

beforeAll(async () => {
  issuer = await startIssuer();
  site = await cliSite({
    config: { auth: { keys: [], github: { issuer: issuer.url, repositoryIds: ["123456789"] } } },
  });
});
afterAll(async () => {
  await site?.remove();
  await issuer?.stop();
});

const keyless = (args: string[]) =>
  runHotswap(site.cli, args, {
    cwd: site.checkout,
    env: {
      HOTSWAP_URL: site.rx.api,
      HOTSWAP_APP: "webdemo",
      HOTSWAP_AUDIENCE: AUDIENCE,
      ACTIONS_ID_TOKEN_REQUEST_URL: issuer.requestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: issuer.requestToken,
    },
  });

describe("hotswap keyless on a GitHub runner", () => {
  it("deploys with the runner's OIDC token, and never prints it", async () => {
    copyFileSync(site.ws.version("v2"), join(site.checkout, "webdemo-v2"));
    const run = await keyless(["deploy", "webdemo-v2"]);
    expect(run.code, shown(run)).toBe(0);
    expect(run.stdout).toContain(`using a GitHub OIDC token for ${AUDIENCE}`);
    expect(run.stdout).not.toContain("::add-mask::");
    expect(run.stdout).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    expect((await (await fetch(`${site.rx.gate()}/`)).text()).trim()).toBe("v2");
  });

  it("prints an OIDC token for a status call that the API takes", async () => {
    const run = await keyless(["token", "--op", "status"]);
    expect(run.code, shown(run)).toBe(0);
    const res = await fetch(`${site.rx.api}/v1/apps/webdemo`, {
      headers: { authorization: `Bearer ${run.stdout.trim()}` },
    });
    expect(res.status).toBe(200);
  });
});

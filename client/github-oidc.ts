// A GitHub Actions OIDC token, asked of the runner the way @actions/core's getIDToken
// does, but without printing it as "::add-mask::" on stdout: the CLI's stdout is the
// user's (a token for `$(hotswap token …)`, NDJSON with --json).
export async function githubIdToken(audience: string, env: NodeJS.ProcessEnv): Promise<string> {
  const url = env["ACTIONS_ID_TOKEN_REQUEST_URL"];
  const bearer = env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"];
  if (!url || !bearer)
    throw new Error(
      'no key and no GitHub OIDC token: set HOTSWAP_KEY or --key-file, or give the job "permissions: id-token: write"',
    );
  const request = new URL(url);
  request.searchParams.set("audience", audience);
  const response = await fetch(request, {
    headers: { authorization: `Bearer ${bearer}`, accept: "application/json" },
  });
  const body = (await response.json().catch(() => ({}))) as { value?: unknown };
  if (!response.ok || typeof body.value !== "string")
    throw new Error(`the runner gave no OIDC token (${response.status} ${response.statusText})`);
  return body.value;
}

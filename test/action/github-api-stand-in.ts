// A local stand-in for the two GitHub REST endpoints the action calls, with GitHub's paths,
// status codes and payload shapes (docs.github.com, "REST API endpoints for deployments"
// and "… for deployment statuses"): POST /repos/{owner}/{repo}/deployments answers 201
// with the deployment, POST /repos/{owner}/{repo}/deployments/{id}/statuses 201 with the
// status. Bodies GitHub would refuse get GitHub's 422; `refuse` answers every create with
// the 403 GitHub sends a GITHUB_TOKEN without `deployments: write`. Every call is recorded.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ApiCall {
  method: string;
  path: string;
  authorization: string;
  accept: string;
  body: Record<string, unknown>;
}

export interface GithubApiStandIn {
  /** What GITHUB_API_URL is set to: http://127.0.0.1:PORT */
  url: string;
  calls: ApiCall[];
  /** Answer POST …/deployments with 403 "Resource not accessible by integration". */
  refuse: boolean;
  close(): Promise<void>;
}

const STATES = ["error", "failure", "inactive", "in_progress", "queued", "pending", "success"];
const FIRST_ID = 1_234_567_890;

export async function startGithubApi(): Promise<GithubApiStandIn> {
  const deployments = new Map<number, Record<string, unknown>>();
  let nextId = FIRST_ID;
  const standIn: GithubApiStandIn = {
    url: "",
    calls: [],
    refuse: false,
    close: () => new Promise((done) => server.close(() => done())),
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const text = await read(req);
      let body: Record<string, unknown> = {};
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        return answer(400, { message: "Problems parsing JSON" });
      }
      const path = new URL(req.url ?? "/", "http://x").pathname;
      standIn.calls.push({
        method: req.method ?? "",
        path,
        authorization: req.headers.authorization ?? "",
        accept: req.headers.accept ?? "",
        body,
      });
      if (!/^(token|bearer) \S+$/i.test(req.headers.authorization ?? ""))
        return answer(401, { message: "Requires authentication" });
      const repo = /^\/repos\/([^/]+)\/([^/]+)\/deployments(?:\/(\d+)\/statuses)?$/.exec(path);
      if (req.method !== "POST" || !repo) return answer(404, { message: "Not Found" });
      const [, owner, name, id] = repo;
      const repoUrl = `${standIn.url}/repos/${owner}/${name}`;
      const now = new Date().toISOString();
      if (id === undefined) {
        if (standIn.refuse)
          return answer(403, {
            message: "Resource not accessible by integration",
            documentation_url:
              "https://docs.github.com/rest/deployments/deployments#create-a-deployment",
            status: "403",
          });
        if (typeof body["ref"] !== "string" || !body["ref"])
          return answer(422, { message: 'Invalid request.\n\n"ref" wasn\'t supplied.' });
        const deployment = {
          url: `${repoUrl}/deployments/${nextId}`,
          id: nextId,
          node_id: `DE_${nextId}`,
          sha: body["ref"],
          ref: body["ref"],
          task: body["task"] ?? "deploy",
          payload: body["payload"] ?? {},
          original_environment: body["environment"] ?? "production",
          environment: body["environment"] ?? "production",
          description: body["description"] ?? null,
          creator: { login: "github-actions[bot]", id: 41898282, type: "Bot" },
          created_at: now,
          updated_at: now,
          statuses_url: `${repoUrl}/deployments/${nextId}/statuses`,
          repository_url: repoUrl,
          transient_environment: false,
          production_environment: true,
        };
        deployments.set(nextId++, deployment);
        return answer(201, deployment);
      }
      const deployment = deployments.get(Number(id));
      if (!deployment) return answer(404, { message: "Not Found" });
      const description = body["description"];
      if (
        !STATES.includes(String(body["state"])) ||
        (typeof description === "string" && description.length > 140)
      )
        return answer(422, { message: "Validation Failed" });
      return answer(201, {
        url: `${deployment["url"] as string}/statuses/${standIn.calls.length}`,
        id: standIn.calls.length,
        node_id: `DES_${standIn.calls.length}`,
        state: body["state"],
        creator: deployment["creator"],
        description: description ?? "",
        environment: body["environment"] ?? deployment["environment"],
        target_url: body["target_url"] ?? "",
        log_url: body["log_url"] ?? "",
        environment_url: body["environment_url"] ?? "",
        created_at: now,
        updated_at: now,
        deployment_url: deployment["url"],
        repository_url: repoUrl,
      });
    })();

    function answer(status: number, json: unknown): void {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(json));
    }
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  standIn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return standIn;
}

async function read(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) text += String(chunk);
  return text;
}

import { open } from "../api-client/call.js";
import { readLines } from "../api-client/read-lines.js";
import type { AppLogEvent } from "../receiver/protocol.js";
import { cliClient } from "./cli-client.js";
import type { CommandRun } from "./command-run.js";

// `hotswap logs`: GET /v1/apps/{app}/logs (token op "logs"), the newest lines and with
// --follow each new one until interrupted, "[webdemo#0] line" as the receiver's own output
// shows them, or the NDJSON lines as they came with --json. --instance filters here.
export async function logs(run: CommandRun): Promise<void> {
  const { settings, out, signer, stdout, signal } = run;
  const endpoint = new URL(`${settings.url}/v1/apps/${encodeURIComponent(settings.app)}/logs`);
  if (settings.lines !== undefined) endpoint.searchParams.set("lines", String(settings.lines));
  if (settings.follow) endpoint.searchParams.set("follow", "1");
  const response = await open(
    endpoint,
    { ...settings, op: "logs" },
    cliClient(settings, out, signer),
    signal,
  );
  for await (const line of readLines(response)) {
    let event: AppLogEvent;
    try {
      event = JSON.parse(line) as AppLogEvent;
    } catch {
      continue;
    }
    if ("type" in event) continue; // heartbeat
    if ("line" in event && settings.instance !== undefined && event.instance !== settings.instance)
      continue;
    if (settings.json) stdout.write(`${line}\n`);
    else if ("dropped" in event)
      out.warning(
        `${event.dropped} lines were dropped: this terminal read slower than the servers wrote`,
      );
    else {
      const where = `[${settings.app}#${event.instance}${event.stream === "stderr" ? " stderr" : ""}]`;
      out.untrusted(`${where} ${event.line}`);
    }
  }
}

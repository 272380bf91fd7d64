import { Agent, request } from "undici";

export interface LoadReport {
  sent: number;
  ok: number;
  failed: number;
  failures: string[];
  /** Answers in the order they arrived (first word of each body). */
  answers: string[];
}

// A client that keeps sending requests through the gate (keep-alive, several
// at once) and records every answer and every failure, until stopped.
export function steadyLoad(url: string, concurrency = 4) {
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: concurrency });
  const report: LoadReport = { sent: 0, ok: 0, failed: 0, failures: [], answers: [] };
  let running = true;
  const worker = async () => {
    while (running) {
      report.sent++;
      try {
        const res = await request(url, {
          dispatcher: agent,
          headersTimeout: 60_000,
          bodyTimeout: 60_000,
        });
        const text = await res.body.text();
        if (res.statusCode === 200) {
          report.ok++;
          report.answers.push(text.trim().split(" ")[0]!);
        } else {
          report.failed++;
          report.failures.push(`${res.statusCode} ${text.trim()}`);
        }
      } catch (error) {
        report.failed++;
        report.failures.push(String((error as Error).message));
      }
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  let stopped: Promise<LoadReport> | undefined;
  return {
    report,
    /** Stops the workers and closes the connections; safe to call more than once. */
    stop(): Promise<LoadReport> {
      running = false;
      stopped ??= Promise.all(workers)
        .then(() => agent.close())
        .then(() => report);
      return stopped;
    },
  };
}

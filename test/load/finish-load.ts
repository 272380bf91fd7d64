import { expect } from "vitest";
import { formatReport, loadReport, type OpenLoad } from "./open-load.mjs";

/**
 * Stops an open-model load, prints its report under `what`, and asserts that every
 * request scheduled was sent and none failed; returns the report.
 */
export async function finishLoad(
  load: OpenLoad,
  what: string,
): Promise<ReturnType<typeof loadReport>> {
  await load.stop();
  const report = loadReport(load.samples);
  console.log(`${what}:\n${formatReport(report)}`);
  expect(report.failures, formatReport(report)).toEqual({});
  expect(report).toMatchObject({ sent: load.scheduled, failed: 0 });
  return report;
}

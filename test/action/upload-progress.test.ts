import { describe, expect, it } from "vitest";
import { uploadProgress } from "../../api-client/upload-progress.js";
import { waitFor } from "../helpers/wait-for.js";

describe("uploadProgress", () => {
  it("counts the bytes that pass and reports percent and rate on a timer, then a total", async () => {
    const lines: string[] = [];
    const progress = uploadProgress(4_000_000, (line) => lines.push(line), 10);
    progress.stream.resume();
    progress.stream.write(Buffer.alloc(1_000_000));
    await waitFor(() => lines.length > 0, "the first progress line");
    expect(lines[0]).toMatch(/^uploaded 25% \(1\.0 MB of 4\.0 MB\) at [\d.]+ [KMG]?B\/s$/);
    progress.stream.end(Buffer.alloc(3_000_000));
    await waitFor(() => lines.some((line) => line.includes(" in ")), "the total line");
    expect(progress.sent()).toBe(4_000_000);
    expect(lines.at(-1)).toMatch(/^uploaded 4\.0 MB in [\d.]+ m?s at [\d.]+ [KMG]?B\/s$/);
  });
});

import { describe, expect, it } from "vitest";
import { bytes } from "../../api-client/format.js";

describe("bytes: sizes as people read them, in the action's log, the CLI and the job summary", () => {
  it.each([
    [0, "0 B"],
    [512, "512 B"],
    [999, "999 B"],
    [1000, "1.0 KB"],
    [1450, "1.4 KB"],
    [38_400, "38 KB"],
    [999_400, "999 KB"],
    [999_600, "1.0 MB"],
    [3_145_728, "3.1 MB"],
    [45_000_000, "45 MB"],
    [2_000_000_000, "2.0 GB"],
    [1.5e12, "1.5 TB"],
  ])("%d bytes is %s", (n, text) => {
    expect(bytes(n)).toBe(text);
  });
});

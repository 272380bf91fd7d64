// The human units of the config ("30s", "2GiB", "127.0.0.1:8080"): what they
// turn into, and that anything else is refused rather than guessed at.
import { describe, expect, it } from "vitest";
import {
  formatDuration,
  parseAddress,
  parseDuration,
  parseSize,
} from "../../receiver/config/units.js";

describe("parseDuration", () => {
  it.each<[string | number, number]>([
    ["30s", 30_000],
    ["500ms", 500],
    ["2m", 120_000],
    ["1h", 3_600_000],
    ["1.5s", 1500],
    ["30", 30_000],
    [" 30S ", 30_000],
    ["10 ms", 10],
    ["0s", 0],
    [30, 30_000],
    [0.25, 250],
    [0, 0],
  ])("reads %j as %d ms", (value, ms) => {
    expect(parseDuration(value)).toBe(ms);
  });

  it.each<string | number>([
    "30 parsecs",
    "",
    "s",
    "-1s",
    "1d",
    "1e3s",
    "30s 2m",
    "ms30",
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ])("refuses %s", (value) => {
    expect(parseDuration(value)).toBeUndefined();
  });
});

describe("formatDuration", () => {
  it.each<[number, string]>([
    [0, "0ms"],
    [500, "500ms"],
    [1000, "1s"],
    [1500, "1.5s"],
    [19_999, "19.999s"],
    [60_000, "60s"],
  ])("writes %d ms as %j, which parseDuration reads back", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});

describe("parseSize", () => {
  it.each<[string | number, number]>([
    ["2GiB", 2 * 1024 ** 3],
    ["500MB", 500_000_000],
    ["1024", 1024],
    ["1.5KiB", 1536],
    ["10 mib", 10 * 1024 ** 2],
    ["1kb", 1000],
    ["3b", 3],
    ["1TiB", 1024 ** 4],
    ["0", 0],
    [1024, 1024],
    [0, 0],
  ])("reads %j as %d bytes", (value, bytes) => {
    expect(parseSize(value)).toBe(bytes);
  });

  it.each<string | number>([
    "2XB",
    "",
    "GiB",
    "-1",
    "-1MB",
    "1e3",
    "2 GiB extra",
    1.5,
    -1,
    Number.NaN,
    2 ** 53,
  ])("refuses %s", (value) => {
    expect(parseSize(value)).toBeUndefined();
  });
});

describe("parseAddress", () => {
  it.each<[string | number, string, { host: string; port: number }]>([
    ["127.0.0.1:8787", "0.0.0.0", { host: "127.0.0.1", port: 8787 }],
    ["0.0.0.0:0", "127.0.0.1", { host: "0.0.0.0", port: 0 }],
    ["localhost:65535", "0.0.0.0", { host: "localhost", port: 65535 }],
    ["[::1]:8787", "0.0.0.0", { host: "::1", port: 8787 }],
    [":8787", "0.0.0.0", { host: "0.0.0.0", port: 8787 }],
    ["8787", "127.0.0.1", { host: "127.0.0.1", port: 8787 }],
    [8787, "127.0.0.1", { host: "127.0.0.1", port: 8787 }],
    [" 127.0.0.1:80 ", "0.0.0.0", { host: "127.0.0.1", port: 80 }],
  ])("reads %j (default host %s)", (value, defaultHost, expected) => {
    expect(parseAddress(value, defaultHost)).toEqual(expected);
  });

  it.each<string | number>([
    "nope",
    "",
    "127.0.0.1:",
    "127.0.0.1:99999",
    "127.0.0.1:123456",
    "127.0.0.1:80:90",
    "::1:8080",
    "[::1]:",
    "127.0.0.1:http",
  ])("refuses %j", (value) => {
    expect(parseAddress(value, "0.0.0.0")).toBeUndefined();
  });

  // Without the colon the host swallows all but the last digit of the port:
  // "localhost8080" would bind localhost808 on an ephemeral port.
  it.each<string | number>(["localhost8080", "127.0.0.18080", "[::1]8787", -1, 8080.5])(
    "refuses %s: a host must be followed by a colon and a port",
    (value) => {
      expect(parseAddress(value, "0.0.0.0")).toBeUndefined();
    },
  );
});

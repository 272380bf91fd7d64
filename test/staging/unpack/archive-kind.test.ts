// archiveKind knows an artifact by its first bytes only.
import { describe, expect, it } from "vitest";
import { archiveKind } from "../../../receiver/staging/unpack/archive-kind.js";

describe("archiveKind", () => {
  it.each([
    ["gzip", Buffer.from([0x1f, 0x8b, 0x08, 0x00]), "tar.gz"],
    ["a zip entry", Buffer.from("PK\x03\x04", "latin1"), "zip"],
    ["an empty zip", Buffer.from("PK\x05\x06", "latin1"), "zip"],
    ["plain text", Buffer.from("hello"), undefined],
    ["a spanned zip marker", Buffer.from("PK\x07\x08", "latin1"), undefined],
    ["an uncompressed tar", Buffer.from("bin/\0\0\0\0"), undefined],
    ["one byte of gzip", Buffer.from([0x1f]), undefined],
    ["nothing", Buffer.alloc(0), undefined],
  ])("%s", (_what, bytes, kind) => {
    expect(archiveKind(bytes)).toBe(kind);
  });
});

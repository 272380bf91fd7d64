// entryPath and linkTarget: the readings every write in a release goes through.
import { describe, expect, it } from "vitest";
import { entryPath } from "../../../receiver/staging/unpack/entry-path.js";
import { linkTarget } from "../../../receiver/staging/unpack/link-target.js";

describe("entryPath", () => {
  it.each([
    ["a/b/c", "a/b/c"],
    ["./a//b/./c/", "a/b/c"],
    ["a\\b", "a/b"],
    ["./", ""],
    ["..foo/bar..", "..foo/bar.."],
  ])("reads %j as %j", (name, path) => {
    expect(entryPath(name)).toBe(path);
  });

  it.each([
    "",
    "a\0b",
    "/etc/passwd",
    "\\\\server\\share",
    "C:\\x",
    "c:x",
    "../x",
    "a/../../x",
    "a\\..\\..\\x",
    "a/..",
  ])("refuses %j", (name) => {
    expect(() => entryPath(name)).toThrow(
      expect.objectContaining({ code: "ERR_ARCHIVE_ENTRY_PATH" }),
    );
  });
});

describe("linkTarget", () => {
  it.each([
    ["self", ".", "."],
    ["lib/libapp.so", "libapp.so.1", "libapp.so.1"],
    ["bin/lib", "../lib/x", "../lib/x"],
    ["a/b/c", "../../d", "../../d"],
    ["a/l", "./sub//x", "sub/x"],
  ])("keeps %s -> %s", (at, target, kept) => {
    expect(linkTarget(at, target)).toBe(kept);
  });

  it.each([
    ["d", "../../x"],
    ["a/d", "../../x"],
    ["etc", "/etc"],
    ["etc", "C:\\Windows"],
    ["etc", "\\\\server\\share"],
    ["l", "sub/up/.."],
    ["l", "a\\..\\..\\x"],
    ["l", ""],
    ["l", "a\0b"],
  ])("refuses %s -> %s", (at, target) => {
    expect(() => linkTarget(at, target)).toThrow(
      expect.objectContaining({ code: "ERR_ARCHIVE_LINK" }),
    );
  });
});

// trustProxy as the gate asks it, once per request: is this peer a proxy whose
// X-Forwarded-* headers are believed? Addresses as node reports a socket's peer.
import { describe, expect, it } from "vitest";
import { parseCidr } from "../../receiver/net/parse-cidr.js";
import { trustedProxies } from "../../receiver/net/trusted-proxies.js";

describe("trustedProxies", () => {
  it("trusts nobody for an empty list, whatever the peer", () => {
    const trusted = trustedProxies([]);
    for (const peer of ["127.0.0.1", "::1", "::ffff:127.0.0.1", "10.1.2.3", "", undefined])
      expect(trusted(peer)).toBe(false);
  });

  it("hands out one shared function for an empty list, so nothing is built per receiver", () => {
    expect(trustedProxies([])).toBe(trustedProxies([]));
  });

  const trusted = trustedProxies(["127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8", "192.168.1.0/24"]);

  it.each([
    ["127.0.0.1", "a listed IPv4 address"],
    ["10.0.0.1", "the start of an IPv4 block"],
    ["10.255.255.255", "the end of an IPv4 block"],
    ["192.168.1.77", "inside a /24"],
    ["::1", "a listed IPv6 address"],
    ["0:0:0:0:0:0:0:1", "the same IPv6 address written out"],
    ["fd12:3456::1", "inside an IPv6 block"],
    ["::ffff:127.0.0.1", "an IPv4-mapped IPv6 peer of a listed IPv4 address"],
    ["::ffff:10.20.30.40", "an IPv4-mapped IPv6 peer inside an IPv4 block"],
  ])("trusts %s (%s)", (peer) => {
    expect(trusted(peer)).toBe(true);
  });

  it.each([
    ["127.0.0.2", "the next IPv4 address"],
    ["11.0.0.1", "just outside the IPv4 block"],
    ["192.168.2.1", "the neighbouring /24"],
    ["::2", "the next IPv6 address"],
    ["fe80::1", "outside the IPv6 block"],
    ["::ffff:11.0.0.1", "a mapped peer outside the IPv4 block"],
    ["::127.0.0.1", "an IPv4-compatible (not mapped) IPv6 address"],
    ["", "no address"],
    ["not an address", "garbage"],
  ])("does not trust %s (%s)", (peer) => {
    expect(trusted(peer)).toBe(false);
  });

  it("does not trust a peer whose socket has no address (already closed)", () => {
    expect(trusted(undefined)).toBe(false);
  });

  it("matches a link-local peer that carries its zone", () => {
    expect(trustedProxies(["fe80::/10"])("fe80::1%eth0")).toBe(true);
    expect(trustedProxies(["fe80::1"])("fe80::1%2")).toBe(true);
  });

  it("matches IPv4 peers against an entry written as an IPv4-mapped IPv6 block", () => {
    const mapped = trustedProxies(["::ffff:10.0.0.0/104", "::ffff:127.0.0.1"]);
    expect(mapped("10.9.8.7")).toBe(true);
    expect(mapped("::ffff:10.9.8.7")).toBe(true);
    expect(mapped("127.0.0.1")).toBe(true);
    expect(mapped("11.0.0.1")).toBe(false);
  });

  it("trusts everyone only when told to, with 0.0.0.0/0 and ::/0", () => {
    const all = trustedProxies(["0.0.0.0/0", "::/0"]);
    for (const peer of ["203.0.113.9", "::ffff:203.0.113.9", "2001:db8::1"])
      expect(all(peer)).toBe(true);
  });

  it("refuses an entry the config would have refused", () => {
    expect(() => trustedProxies(["10.0.0.0/33"])).toThrow(/"10\.0\.0\.0\/33"/);
  });
});

describe("parseCidr", () => {
  it.each([
    ["127.0.0.1", { address: "127.0.0.1", family: "ipv4" }],
    [" 10.0.0.0/8 ", { address: "10.0.0.0", family: "ipv4", prefix: 8 }],
    ["0.0.0.0/0", { address: "0.0.0.0", family: "ipv4", prefix: 0 }],
    ["::1", { address: "::1", family: "ipv6" }],
    ["fd00::/8", { address: "fd00::", family: "ipv6", prefix: 8 }],
    ["::/128", { address: "::", family: "ipv6", prefix: 128 }],
    ["::ffff:10.0.0.0/104", { address: "10.0.0.0", family: "ipv4", prefix: 8 }],
    ["::ffff:127.0.0.1", { address: "127.0.0.1", family: "ipv4" }],
  ])("reads %j", (text, cidr) => {
    expect(parseCidr(text)).toEqual(cidr);
  });

  it.each([
    "",
    "localhost",
    "10.0.0.0/33",
    "::/129",
    "10.0.0/8",
    "256.0.0.1",
    "10.0.0.0/",
    "10.0.0.0/8/8",
    "10.0.0.0/-1",
    "fe80::1%eth0",
    "127.0.0.1:80",
  ])("refuses %j", (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });
});

import { isIPv4, isIPv6 } from "node:net";

export interface Cidr {
  address: string;
  family: "ipv4" | "ipv6";
  /** The prefix length; undefined for a single address. */
  prefix?: number;
}

// A trustProxy entry ("127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"), read once
// so the config can refuse a bad one and the matcher need not check again.
export function parseCidr(text: string): Cidr | undefined {
  const match = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(text.trim());
  if (!match) return undefined;
  const address = match[1]!;
  const family = isIPv4(address) ? "ipv4" : isIPv6(address) ? "ipv6" : undefined;
  // A zone ("fe80::1%eth0") names an interface of this machine, not a peer.
  if (!family || address.includes("%")) return undefined;
  const prefix = match[2] === undefined ? undefined : Number(match[2]);
  if (prefix !== undefined && prefix > (family === "ipv4" ? 32 : 128)) return undefined;
  // ::ffff:10.0.0.0/104 is 10.0.0.0/8 written as IPv6: peers are matched as IPv4.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped && (prefix === undefined || prefix >= 96))
    return {
      address: mapped[1]!,
      family: "ipv4",
      prefix: prefix === undefined ? undefined : prefix - 96,
    };
  return { address, family, prefix };
}

import { BlockList, isIPv4 } from "node:net";
import { parseCidr } from "./parse-cidr.js";

const nobody = () => false;
const MAPPED = /^::ffff:/i;

// The config's trustProxy as one question the gate asks of every request: is this
// peer a proxy whose X-Forwarded-* headers we believe? Built once; an empty list
// answers at once, since most receivers have no proxy in front of their gates.
export function trustedProxies(list: string[]): (address: string | undefined) => boolean {
  if (list.length === 0) return nobody;
  const blocks = new BlockList();
  for (const entry of list) {
    const cidr = parseCidr(entry);
    if (!cidr) throw new Error(`not an IP address or CIDR: ${JSON.stringify(entry)}`);
    if (cidr.prefix === undefined) blocks.addAddress(cidr.address, cidr.family);
    else blocks.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return function trusted(address) {
    if (!address) return false;
    // A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d; the list says a.b.c.d.
    const v4 = MAPPED.test(address) ? address.slice(7) : address;
    if (isIPv4(v4)) return blocks.check(v4, "ipv4");
    // A link-local peer comes with its zone (fe80::1%eth0); the list has none.
    const zone = address.indexOf("%");
    return blocks.check(zone < 0 ? address : address.slice(0, zone), "ipv6");
  };
}

import { BlockList, isIP } from 'node:net';

// A webhook URL is the owner's, but the owner's network is not: a form must not become a probe
// of what sits behind the server (the cloud metadata address, an admin panel on 10.x). The
// addresses are checked at send time, after resolving, since a name may point anywhere later.

const refused = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host on Linux
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, with the metadata address 169.254.169.254
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const)
  refused.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
] as const)
  refused.addSubnet(network, prefix, 'ipv6');

/** The IPv4 address inside an IPv4-mapped IPv6 one (::ffff:10.0.0.1 or ::ffff:a00:1), else undefined. */
function mappedIpv4(address: string): string | undefined {
  const match = /^::ffff:(.+)$/i.exec(address);
  if (!match) return undefined;
  const tail = match[1]!;
  if (isIP(tail) === 4) return tail;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(tail);
  if (!hex) return undefined;
  const [high, low] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** Whether a literal address is one a webhook must not reach (loopback, private, link-local, unique-local, CGNAT, unspecified). */
export function isRefusedAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const v4 = isIP(bare) === 4 ? bare : mappedIpv4(bare);
  if (v4) return refused.check(v4, 'ipv4');
  if (isIP(bare) === 6) return refused.check(bare, 'ipv6');
  return true; // not an address at all: refuse rather than guess
}

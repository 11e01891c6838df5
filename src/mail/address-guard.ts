// A webhook URL is the owner's, but the owner's network is not: a form must not become a probe
// of what sits behind the server (the cloud metadata address, an admin panel on 10.x). The
// addresses are checked at send time, after resolving, since a name may point anywhere later.
// Parsed by hand, not with node:net's BlockList: the core is loaded on Workers too, which lack it.

const IPV4_REFUSED: [number, number][] = [
  [0x00000000, 8], // "this network"; 0.0.0.0 reaches the local host on Linux
  [0x0a000000, 8],
  [0x64400000, 10], // carrier-grade NAT
  [0x7f000000, 8],
  [0xa9fe0000, 16], // link-local, with the metadata address 169.254.169.254
  [0xac100000, 12],
  [0xc0a80000, 16],
];

function ipv4Number(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

const ipv4Refused = (n: number) =>
  IPV4_REFUSED.some(([network, prefix]) => Math.floor(n / 2 ** (32 - prefix)) === network / 2 ** (32 - prefix));

/** The eight 16-bit groups of an IPv6 address (an embedded IPv4 tail allowed), or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  let head = text;
  const tail: number[] = [];
  const v4 = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4Number(v4[1]!);
    if (n === undefined) return undefined;
    tail.push(Math.floor(n / 65536), n % 65536);
    // "::ffff:1.2.3.4" leaves "::ffff"; "::1.2.3.4" leaves "::".
    head = text.slice(0, v4.index) + (text.slice(0, v4.index).endsWith(':') ? ':' : '');
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN)));
  const left = parse(halves[0]!);
  const right = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - tail.length - left.length - right.length;
  if ((halves.length === 2 ? missing < 1 : missing !== 0) || [...left, ...right].some(Number.isNaN)) return undefined;
  return [...left, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...right, ...tail];
}

/** Whether a literal address is one a webhook must not reach (loopback, private, link-local, unique-local, CGNAT, unspecified). */
export function isRefusedAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const v4 = ipv4Number(bare);
  if (v4 !== undefined) return ipv4Refused(v4);
  const g = ipv6Groups(bare);
  if (!g) return true; // not an address at all: refuse rather than guess
  // IPv4-mapped (::ffff:a.b.c.d): judged as the IPv4 address it reaches.
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return ipv4Refused(g[6]! * 65536 + g[7]!);
  if (g.slice(0, 7).every((x) => x === 0) && g[7]! <= 1) return true; // :: and ::1
  return (g[0]! & 0xfe00) === 0xfc00 || (g[0]! & 0xffc0) === 0xfe80; // unique-local, link-local
}

/**
 * Why a webhook must not go to `host`, which resolved to `addresses`, or undefined: every
 * address is checked (a name answering one private address among public ones is refused).
 */
export function refusedResolution(host: string, addresses: string[]): string | undefined {
  if (addresses.length > 0 && !addresses.some(isRefusedAddress)) return undefined;
  return `refused: ${host} resolves to a loopback, private or link-local address (${addresses.join(', ')})`;
}

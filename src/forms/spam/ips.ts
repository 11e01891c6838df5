import {
  convertIPv4ToBinary,
  convertIPv6ToBinary,
  convertIPv4MappedIPv6ToIPv4,
  distinctRemoteAddr,
  isIPv4MappedIPv6,
} from 'hono/utils/ipaddr';

/** An address or CIDR range (`203.0.113.7`, `198.51.100.0/24`, `2001:db8::/32`) as bits to compare. */
type Range = { family: 4 | 6; network: bigint; shift: bigint };

/** An address as its family and bits; an IPv4 address written as IPv6 (`::ffff:1.2.3.4`) is IPv4. */
function addressBits(text: string): { family: 4 | 6; bits: bigint } | undefined {
  try {
    const kind = distinctRemoteAddr(text);
    if (kind === 'IPv4') return { family: 4, bits: convertIPv4ToBinary(text) };
    if (kind !== 'IPv6') return undefined;
    const bits = convertIPv6ToBinary(text);
    return isIPv4MappedIPv6(bits) ? { family: 4, bits: convertIPv4MappedIPv6ToIPv4(bits) } : { family: 6, bits };
  } catch {
    return undefined;
  }
}

/** A range, or undefined when the text is neither an address nor a CIDR range: the form's validation says so. */
export function parseRange(text: string): Range | undefined {
  const [address, prefix, extra] = text.trim().split('/');
  const parsed = address ? addressBits(address) : undefined;
  if (!parsed || extra !== undefined) return undefined;
  const width = parsed.family === 4 ? 32 : 128;
  const length = prefix === undefined ? width : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
  if (!(length >= 0 && length <= width)) return undefined;
  const shift = BigInt(width - length);
  return { family: parsed.family, network: parsed.bits >> shift, shift };
}

export type IpMatcher = (ip: string | undefined) => boolean;

export function ipMatcher(entries: readonly string[]): IpMatcher {
  const ranges = entries.map(parseRange).filter((r) => r !== undefined);
  if (ranges.length === 0) return () => false;
  return (ip) => {
    const address = ip ? addressBits(ip) : undefined;
    if (!address) return false;
    return ranges.some((range) => range.family === address.family && address.bits >> range.shift === range.network);
  };
}

/**
 * Blocked email domains: the Reply-To's domain or any parent of it ("mail.spam.example"
 * is caught by "spam.example"). Names compare in punycode, so an owner may write either form.
 */

function asciiDomain(domain: string): string | undefined {
  const trimmed = domain.trim().replace(/^@/, '').replace(/\.$/, '').toLowerCase();
  if (/^[\x00-\x7f]*$/.test(trimmed)) return trimmed || undefined;
  try {
    return new URL(`http://${trimmed}`).hostname;
  } catch {
    return undefined;
  }
}

export type DomainMatcher = (address: string) => boolean;

export function domainMatcher(domains: readonly string[]): DomainMatcher {
  const blocked = new Set(domains.map(asciiDomain).filter((d) => d !== undefined));
  if (blocked.size === 0) return () => false;
  return (address) => {
    const domain = asciiDomain(address.slice(address.lastIndexOf('@') + 1));
    if (!domain) return false;
    for (let rest = domain; ;) {
      if (blocked.has(rest)) return true;
      const dot = rest.indexOf('.');
      if (dot < 0) return false;
      rest = rest.slice(dot + 1);
    }
  };
}

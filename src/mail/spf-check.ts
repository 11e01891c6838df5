import type { DnsLookup, DomainCheck } from './domain-check.ts';

const MECHANISM =
  /^[+\-~?]?(all|include:[^\s:]+|exists:\S+|(a|mx)(:[^\s/]+)?(\/\d{1,3})?(\/\/\d{1,3})?|ip4:[\d.]+(\/\d{1,2})?|ip6:[0-9a-f:.]+(\/\d{1,3})?|ptr(:\S+)?)$/i;
const MODIFIER = /^[a-z][a-z0-9_.-]*=\S*$/i;

/** What well-known relays ask to be included; others are recognised by their own domain in the record. */
const PROVIDER_INCLUDES: [RegExp, string][] = [
  [/(^|\.)(gmail|googlemail|google)\.com$/, '_spf.google.com'],
  [/(^|\.)sendgrid\.net$/, 'sendgrid.net'],
  [/(^|\.)mailgun\.org$/, 'mailgun.org'],
  [/(^|\.)postmarkapp\.com$/, 'spf.mtasv.net'],
  [/(^|\.)office365\.com$|(^|\.)outlook\.com$/, 'spf.protection.outlook.com'],
  [/(^|\.)amazonaws\.com$/, 'amazonses.com'],
];

/** The relay's provider, as its last two labels: smtp.eu.mailgun.org → mailgun.org. */
const providerOf = (host: string) => host.split('.').slice(-2).join('.');
const isAddressOrLocal = (host: string) => /^[\d.]+$|:|^localhost$|\.local$|\.test$|\.internal$/.test(host);

/** Whether the record names each relay (by include, a:, mx: or the same domain): a report, not a proof. */
function relayCoverage(terms: string[], domain: string, relays: string[]): { missing: string[]; include?: string } {
  const targets = terms
    .map((t) =>
      t
        .replace(/^[+\-~?]/, '')
        .split(':')[1]
        ?.split('/')[0]
        ?.toLowerCase(),
    )
    .filter((t): t is string => !!t);
  const judged = relays.filter((host) => !isAddressOrLocal(host));
  const missing = judged.filter((host) => {
    const provider = providerOf(host);
    const known = PROVIDER_INCLUDES.find(([pattern]) => pattern.test(host))?.[1];
    // A relay of the domain itself is covered by its own a/mx/ip terms, which cannot be judged from here.
    if (host === domain || host.endsWith(`.${domain}`)) return false;
    return !targets.some((t) => t === known || t === provider || t.endsWith(`.${provider}`));
  });
  const first = missing[0];
  return { missing, include: first && (PROVIDER_INCLUDES.find(([pattern]) => pattern.test(first))?.[1] ?? providerOf(first)) };
}

/** SPF for the domain: one record, terms that parse, and whether it lets the configured relays send for it. */
export async function spfCheck(dns: DnsLookup, domain: string, relays: string[]): Promise<DomainCheck> {
  const records = (await dns.txt(domain)).filter((r) => /^v=spf1(\s|$)/i.test(r.trim()));
  const example = `v=spf1 ${relays.filter((h) => !isAddressOrLocal(h)).map((h) => `include:${relayCoverage([], domain, [h]).include}`)[0] ?? 'include:YOUR-PROVIDER'} ~all`;
  if (records.length === 0) {
    return {
      name: 'spf',
      status: 'fail',
      detail: `${domain} has no SPF record: receivers cannot tell which servers may send as ${domain}.`,
      fix: `Add one TXT record at ${domain}: ${example} (your provider's documentation names the exact include).`,
    };
  }
  if (records.length > 1) {
    return {
      name: 'spf',
      status: 'fail',
      detail: `${domain} has ${records.length} SPF records: receivers treat that as a permanent error (RFC 7208 §4.5).`,
      fix: `Merge them into one TXT record that starts with v=spf1 and lists every sender, e.g. ${example}.`,
    };
  }
  const terms = records[0]!.trim().split(/\s+/).slice(1);
  const bad = terms.filter((t) => !MECHANISM.test(t) && !MODIFIER.test(t));
  if (bad.length > 0) {
    return {
      name: 'spf',
      status: 'fail',
      detail: `The SPF record has terms that do not parse: ${bad.join(' ')}. A receiver treats the whole record as an error.`,
      fix: `Correct them (mechanisms look like include:domain, ip4:1.2.3.4, a, mx, ~all): ${records[0]}`,
    };
  }
  if (terms.some((t) => /^\+?all$/i.test(t))) {
    return {
      name: 'spf',
      status: 'warn',
      detail: `"${records[0]}" lets any server send as ${domain}.`,
      fix: 'End the record with ~all or -all instead of +all.',
    };
  }
  const { missing, include } = relayCoverage(terms, domain, relays);
  if (missing.length > 0) {
    return {
      name: 'spf',
      status: 'warn',
      detail: `The SPF record does not seem to name the relay ${missing.join(', ')}: "${records[0]}".`,
      fix: `If that relay sends for ${domain}, add include:${include} (as your provider documents it) before the all term.`,
    };
  }
  return { name: 'spf', status: 'ok', detail: `One SPF record: "${records[0]}".`, fix: '' };
}

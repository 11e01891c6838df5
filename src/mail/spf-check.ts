import { verdict, type DomainCheck } from './check-verdict.ts';
import type { DnsLookup } from './domain-check.ts';

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
  if (records.length === 0) return verdict('spf', 'fail', ['check.spf.none', { domain }], ['check.spf.add', { domain, example }]);
  if (records.length > 1) {
    return verdict('spf', 'fail', ['check.spf.many', { domain, n: records.length }], ['check.spf.merge', { example }]);
  }
  const terms = records[0]!.trim().split(/\s+/).slice(1);
  const bad = terms.filter((t) => !MECHANISM.test(t) && !MODIFIER.test(t));
  const record = records[0]!;
  if (bad.length > 0) return verdict('spf', 'fail', ['check.spf.bad', { terms: bad.join(' ') }], ['check.spf.correct', { record }]);
  if (terms.some((t) => /^\+?all$/i.test(t))) return verdict('spf', 'warn', ['check.spf.anyone', { record, domain }], ['check.spf.endAll']);
  const { missing, include = '' } = relayCoverage(terms, domain, relays);
  if (missing.length > 0) {
    return verdict('spf', 'warn', ['check.spf.relay', { relays: missing.join(', '), record }], ['check.spf.include', { domain, include }]);
  }
  return verdict('spf', 'ok', ['check.spf.ok', { record }]);
}

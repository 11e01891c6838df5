import type { Config } from '../config.ts';
import type { MessageKey } from '../i18n/index.ts';
import { verdict, type CheckName, type CheckStatus, type DomainCheck, type Values } from './check-verdict.ts';
import { publicKeyRecordValue } from './dkim.ts';
import { addressOf } from './render.ts';
import { spfCheck } from './spf-check.ts';

export type { CheckStatus, DomainCheck };
export type DomainReport = { domain: string; checks: DomainCheck[] };

/** DNS as the check needs it: an empty list when the name has no such records. Node: node:dns; tests: a real server. */
export type DnsLookup = {
  txt(name: string): Promise<string[]>;
  mx(name: string): Promise<string[]>;
};

/** A lookup that failed for another reason than "no such record": reported, not guessed around. */
export const lookupFailed = (name: CheckName, domain: string, error: unknown): DomainCheck =>
  verdict(
    name,
    'warn',
    ['check.lookupFailed', { record: name.toUpperCase(), domain, error: (error as Error).message }],
    ['check.lookupFailedFix'],
  );

async function mxCheck(dns: DnsLookup, domain: string): Promise<DomainCheck> {
  const hosts = await dns.mx(domain);
  if (hosts.length > 0) return verdict('mx', 'ok', ['check.mx.ok', { domain, hosts: hosts.join(', ') }]);
  return verdict('mx', 'warn', ['check.mx.none', { domain }], ['check.mx.noneFix', { domain }]);
}

/** DKIM tags (`k=v; p=…`) as a map; whitespace inside values is folding, not content. */
const tagsOf = (record: string) =>
  new Map(
    record
      .split(';')
      .map((part) => part.split('='))
      .filter((pair) => pair.length >= 2)
      .map(([key, ...value]) => [key!.trim().toLowerCase(), value.join('=').replace(/\s+/g, '')]),
  );

async function dkimCheck(dns: DnsLookup, dkim: Config['dkim']): Promise<DomainCheck> {
  if (!dkim) {
    return verdict('dkim', 'warn', ['check.dkim.off'], ['check.dkim.offFix']);
  }
  const name = `${dkim.keySelector}._domainkey.${dkim.domainName}`;
  const expected = publicKeyRecordValue(dkim.privateKey);
  const records = (await dns.txt(name)).filter((r) => /\bp=/.test(r));
  if (records.length === 0) return verdict('dkim', 'fail', ['check.dkim.none', { name }], ['check.dkim.publish', { name, key: expected }]);
  const published = records.map((r) => tagsOf(r).get('p') ?? '');
  if (published.includes(expected)) return verdict('dkim', 'ok', ['check.dkim.ok', { name }]);
  const revoked = published.every((p) => p === '');
  return verdict(
    'dkim',
    'fail',
    [revoked ? 'check.dkim.revoked' : 'check.dkim.mismatch', { name }],
    ['check.dkim.replace', { name, key: expected }],
  );
}

/** Relaxed alignment (RFC 7489 §3.1.1), approximated: one domain is the other or its parent. */
const aligned = (a: string, b: string, strict: boolean) => a === b || (!strict && (a.endsWith(`.${b}`) || b.endsWith(`.${a}`)));

async function dmarcCheck(dns: DnsLookup, domain: string, dkim: Config['dkim']): Promise<DomainCheck> {
  // A subdomain without its own record falls under its parent's (the organizational domain, roughly).
  const parent = domain.split('.').slice(-2).join('.');
  let records = (await dns.txt(`_dmarc.${domain}`)).filter((r) => /^v=DMARC1\b/i.test(r.trim()));
  if (records.length === 0 && parent !== domain) records = (await dns.txt(`_dmarc.${parent}`)).filter((r) => /^v=DMARC1\b/i.test(r.trim()));
  const suggested: [MessageKey, Values] = ['check.dmarc.add', { domain }];
  if (records.length === 0) return verdict('dmarc', 'warn', ['check.dmarc.none', { domain }], suggested);
  if (records.length > 1) return verdict('dmarc', 'fail', ['check.dmarc.many', { n: records.length }], ['check.dmarc.keepOne', { domain }]);
  const tags = new Map([...tagsOf(records[0]!)].map(([k, v]) => [k, v.toLowerCase()]));
  const policy = tags.get('p');
  if (!policy || !['none', 'quarantine', 'reject'].includes(policy)) {
    return verdict('dmarc', 'fail', ['check.dmarc.noPolicy', { record: records[0]! }], suggested);
  }
  if (!dkim) return verdict('dmarc', 'warn', ['check.dmarc.noDkim', { policy, domain }], ['check.dmarc.signFix']);
  const strict = tags.get('adkim') === 's';
  const signed = { policy, domain, signer: dkim.domainName };
  if (!aligned(domain, dkim.domainName, strict)) {
    const detail = strict ? 'check.dmarc.notAlignedStrict' : 'check.dmarc.notAligned';
    return verdict('dmarc', 'fail', [detail, signed], ['check.dmarc.alignFix', signed]);
  }
  return verdict('dmarc', 'ok', ['check.dmarc.ok', signed]);
}

const relayHost = (url: string | undefined) => (url ? new URL(url).hostname : undefined);

/** MX, SPF, DKIM and DMARC for MAIL_FROM's domain, each with a status and the fix. */
export async function checkMailDomain(dns: DnsLookup, config: Config): Promise<DomainReport> {
  const domain = addressOf(config.mailFrom).split('@').pop()!.toLowerCase();
  const relays = [relayHost(config.smtpUrl), relayHost(config.smtpBackupUrl)].filter((h): h is string => !!h);
  const guarded = (name: CheckName, check: () => Promise<DomainCheck>) =>
    check().catch((error: unknown) => lookupFailed(name, domain, error));
  const checks = await Promise.all([
    guarded('mx', () => mxCheck(dns, domain)),
    guarded('spf', () => spfCheck(dns, domain, relays)),
    guarded('dkim', () => dkimCheck(dns, config.dkim)),
    guarded('dmarc', () => dmarcCheck(dns, domain, config.dkim)),
  ]);
  return { domain, checks };
}

import type { Config } from '../config.ts';
import { publicKeyRecordValue } from './dkim.ts';
import { addressOf } from './render.ts';
import { spfCheck } from './spf-check.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail';
export type DomainCheck = { name: 'mx' | 'spf' | 'dkim' | 'dmarc'; status: CheckStatus; detail: string; fix: string };
export type DomainReport = { domain: string; checks: DomainCheck[] };

/** DNS as the check needs it: an empty list when the name has no such records. Node: node:dns; tests: a real server. */
export type DnsLookup = {
  txt(name: string): Promise<string[]>;
  mx(name: string): Promise<string[]>;
};

/** A lookup that failed for another reason than "no such record": reported, not guessed around. */
export const lookupFailed = (name: DomainCheck['name'], what: string, error: unknown): DomainCheck => ({
  name,
  status: 'warn',
  detail: `Could not look up ${what}: ${(error as Error).message}`,
  fix: 'Try again; if it persists, check the resolvers in DNS_SERVERS (or the system resolver).',
});

async function mxCheck(dns: DnsLookup, domain: string): Promise<DomainCheck> {
  const hosts = await dns.mx(domain);
  if (hosts.length > 0) return { name: 'mx', status: 'ok', detail: `${domain} receives mail at ${hosts.join(', ')}`, fix: '' };
  return {
    name: 'mx',
    status: 'warn',
    detail: `${domain} has no MX record: replies and bounces to MAIL_FROM cannot arrive, and some receivers distrust a sender domain that cannot receive.`,
    fix: `Add an MX record for ${domain} (your mail provider names the host), or send from an address of a domain that receives mail.`,
  };
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
    return {
      name: 'dkim',
      status: 'warn',
      detail: 'Messages are not DKIM-signed: DMARC then rests on SPF alone, which relays often fail to align.',
      fix: 'Run `npx formharbor dkim generate --domain YOUR.DOMAIN --selector formharbor`, publish the TXT record it prints, and set DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY.',
    };
  }
  const name = `${dkim.keySelector}._domainkey.${dkim.domainName}`;
  const expected = publicKeyRecordValue(dkim.privateKey);
  const publish = `Publish a TXT record at ${name} with: v=DKIM1; k=rsa; p=${expected}`;
  const records = (await dns.txt(name)).filter((r) => /\bp=/.test(r));
  if (records.length === 0)
    return {
      name: 'dkim',
      status: 'fail',
      detail: `No DKIM key is published at ${name}: receivers cannot verify the signature.`,
      fix: publish,
    };
  const published = records.map((r) => tagsOf(r).get('p') ?? '');
  if (published.includes(expected)) return { name: 'dkim', status: 'ok', detail: `The key at ${name} matches DKIM_PRIVATE_KEY.`, fix: '' };
  const revoked = published.every((p) => p === '');
  return {
    name: 'dkim',
    status: 'fail',
    detail: revoked
      ? `The key at ${name} is revoked (empty p=): every signature fails.`
      : `The key published at ${name} is not the public half of DKIM_PRIVATE_KEY: every signature fails.`,
    fix: `${publish} (replace the old value), or set DKIM_PRIVATE_KEY to the key that record was made from.`,
  };
}

/** Relaxed alignment (RFC 7489 §3.1.1), approximated: one domain is the other or its parent. */
const aligned = (a: string, b: string, strict: boolean) => a === b || (!strict && (a.endsWith(`.${b}`) || b.endsWith(`.${a}`)));

async function dmarcCheck(dns: DnsLookup, domain: string, dkim: Config['dkim']): Promise<DomainCheck> {
  // A subdomain without its own record falls under its parent's (the organizational domain, roughly).
  const parent = domain.split('.').slice(-2).join('.');
  let records = (await dns.txt(`_dmarc.${domain}`)).filter((r) => /^v=DMARC1\b/i.test(r.trim()));
  if (records.length === 0 && parent !== domain) records = (await dns.txt(`_dmarc.${parent}`)).filter((r) => /^v=DMARC1\b/i.test(r.trim()));
  const suggested = `Add a TXT record at _dmarc.${domain}: v=DMARC1; p=none; rua=mailto:postmaster@${domain} (then p=quarantine once reports look right).`;
  if (records.length === 0) {
    return {
      name: 'dmarc',
      status: 'warn',
      detail: `${domain} publishes no DMARC policy: Gmail and Yahoo expect one from senders.`,
      fix: suggested,
    };
  }
  if (records.length > 1) {
    return {
      name: 'dmarc',
      status: 'fail',
      detail: `${records.length} DMARC records: receivers ignore them all.`,
      fix: `Keep one TXT record at _dmarc.${domain}.`,
    };
  }
  const tags = new Map([...tagsOf(records[0]!)].map(([k, v]) => [k, v.toLowerCase()]));
  const policy = tags.get('p');
  if (!policy || !['none', 'quarantine', 'reject'].includes(policy)) {
    return { name: 'dmarc', status: 'fail', detail: `The DMARC record has no valid p= policy: "${records[0]}".`, fix: suggested };
  }
  if (!dkim) {
    return {
      name: 'dmarc',
      status: 'warn',
      detail: `Policy p=${policy}; without DKIM, From ${domain} aligns only when the relay's envelope sender is on ${domain}, which many relays do not do.`,
      fix: 'Sign with DKIM for this domain (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY).',
    };
  }
  const strict = tags.get('adkim') === 's';
  if (!aligned(domain, dkim.domainName, strict)) {
    return {
      name: 'dmarc',
      status: 'fail',
      detail: `Policy p=${policy}, but From is ${domain} and messages are signed for ${dkim.domainName}${strict ? ' (adkim=s: exact match required)' : ''}: DKIM does not align, so DMARC fails.`,
      fix: `Set DKIM_DOMAIN=${domain} (and publish its key), or set MAIL_FROM to an address @${dkim.domainName}.`,
    };
  }
  return {
    name: 'dmarc',
    status: 'ok',
    detail: `Policy p=${policy}; From ${domain} aligns with the DKIM domain ${dkim.domainName}.`,
    fix: '',
  };
}

const relayHost = (url: string | undefined) => (url ? new URL(url).hostname : undefined);

/** MX, SPF, DKIM and DMARC for MAIL_FROM's domain, each with a status and the fix. */
export async function checkMailDomain(dns: DnsLookup, config: Config): Promise<DomainReport> {
  const domain = addressOf(config.mailFrom).split('@').pop()!.toLowerCase();
  const relays = [relayHost(config.smtpUrl), relayHost(config.smtpBackupUrl)].filter((h): h is string => !!h);
  const guarded = (name: DomainCheck['name'], what: string, check: () => Promise<DomainCheck>) =>
    check().catch((error: unknown) => lookupFailed(name, what, error));
  const checks = await Promise.all([
    guarded('mx', `the MX of ${domain}`, () => mxCheck(dns, domain)),
    guarded('spf', `the SPF of ${domain}`, () => spfCheck(dns, domain, relays)),
    guarded('dkim', 'the DKIM key', () => dkimCheck(dns, config.dkim)),
    guarded('dmarc', `the DMARC policy of ${domain}`, () => dmarcCheck(dns, domain, config.dkim)),
  ]);
  return { domain, checks };
}

import { parseArgs } from 'node:util';
import type { Config } from './config.ts';
import { AppError } from './errors.ts';
import { generateDkimKey } from './mail/dkim.ts';
import { checkMailDomain } from './mail/domain-check.ts';
import { nodeDnsLookup } from './node-wiring.ts';

/** Mail commands that need no database: `dkim generate` not even the configuration. */
export const MAIL_USAGE = `  dkim generate --domain D --selector S       a new RSA-2048 DKIM key and the DNS TXT record to publish
  mail check                                MX, SPF, DKIM and DMARC of MAIL_FROM's domain (exit 1 when one fails)`;

const STATUS_MARK = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

export function dkimGenerate(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: { domain: { type: 'string' }, selector: { type: 'string' } },
    allowPositionals: true,
  });
  if (!values.domain || !values.selector) throw new AppError('validation', 'Give --domain example.com --selector formharbor');
  const key = generateDkimKey(values.domain.toLowerCase(), values.selector);
  console.log(`# 1. Publish this DNS TXT record (name, then value):
${key.name}
${key.record}

# 2. Set these variables (DKIM_PRIVATE_KEY on one line with \\n escapes, or as it is below):
DKIM_DOMAIN=${values.domain.toLowerCase()}
DKIM_SELECTOR=${values.selector}
DKIM_PRIVATE_KEY="${key.privateKey.trim().split('\n').join('\\n')}"

# The private key in PEM form:
${key.privateKey}`);
}

/** Prints each check with its fix; the exit code is 1 when any check fails, for scripts. */
export async function mailCheck(config: Config): Promise<number> {
  const report = await checkMailDomain(nodeDnsLookup(config.dnsServers), config);
  console.log(`Mail domain: ${report.domain}`);
  for (const check of report.checks) {
    console.log(`${STATUS_MARK[check.status]} ${check.name.padEnd(5)} ${check.detail}${check.fix ? `\n           fix: ${check.fix}` : ''}`);
  }
  return report.checks.some((check) => check.status === 'fail') ? 1 : 0;
}

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyRecordValue } from '../src/mail/dkim.ts';
import { startDnsServer } from './support/dns-server.ts';

const run = promisify(execFile);
let dns: Awaited<ReturnType<typeof startDnsServer>>;
beforeAll(async () => {
  dns = await startDnsServer({ 'harbor.test': { mx: ['mx.harbor.test'], txt: ['v=spf1 mx -all', 'v=spf1 a -all'] } });
});
afterAll(() => dns.close());

/** `npx formharbor …` with its exit code; neither command opens the database. */
async function formharbor(env: NodeJS.ProcessEnv, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/formharbor.mjs', ...args], {
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npx formharbor dkim generate and mail check', () => {
  it('should print a private key and the TXT record of its public half', async () => {
    const { code, stdout } = await formharbor({}, 'dkim', 'generate', '--domain', 'Harbor.test', '--selector', 'fh1');
    expect(code).toBe(0);
    const pem = /-----BEGIN PRIVATE KEY-----[^]*?-----END PRIVATE KEY-----\n/.exec(stdout)![0];
    expect(stdout).toContain(`fh1._domainkey.harbor.test\nv=DKIM1; k=rsa; p=${publicKeyRecordValue(pem)}\n`);
    expect(stdout).toContain('DKIM_DOMAIN=harbor.test\nDKIM_SELECTOR=fh1\nDKIM_PRIVATE_KEY="-----BEGIN PRIVATE KEY-----\\n');
    expect((await formharbor({}, 'dkim', 'generate', '--domain', 'harbor.test')).stderr).toMatch(/^formharbor: Give --domain/);
  }, 90_000);

  it('should print each check with its fix and exit 1 when one fails', async () => {
    const { code, stdout } = await formharbor({ DNS_SERVERS: dns.address, MAIL_FROM: 'forms@harbor.test' }, 'mail', 'check');
    expect(code).toBe(1);
    expect(stdout).toMatch(/^Mail domain: harbor\.test\nok {3}mx {4}harbor\.test receives mail at mx\.harbor\.test\n/);
    expect(stdout).toMatch(/^FAIL spf {3}harbor\.test has 2 SPF records.*\n {11}fix: Merge them into one/m);
    expect(stdout).toMatch(/^WARN dkim /m);
  }, 90_000);
});

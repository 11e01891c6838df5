import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from '../src/config-values.ts';
import { ConfigError, loadConfig } from '../src/config.ts';

/** A port that was free a moment ago: nothing answers there. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function notADatabase(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'fh-notdb-')), 'notes.txt');
  writeFileSync(path, 'these are notes, not a database\n'.repeat(200));
  return path;
}

const secret = () => 'generated-secret';

describe('configuration', () => {
  it('should apply the documented defaults and generate the admin secrets', () => {
    const { config, generated } = loadConfig({}, secret);
    expect(config).toMatchObject({
      port: 8787,
      host: '127.0.0.1',
      publicUrl: 'http://127.0.0.1:8787',
      databaseUrl: 'file:./data/formharbor.db',
      smtpUrl: undefined,
      mailFrom: 'Formharbor <forms@localhost>',
      retrySchedule: [60_000, 300_000, 900_000, 3_600_000, 14_400_000],
      maxAge: 5 * 86_400_000,
      outboxInterval: 5_000,
      lease: 120_000,
      rateLimit: { max: 20, windowMs: 600_000 },
      adminToken: 'generated-secret',
      adminPassword: 'generated-secret',
    });
    expect(generated).toEqual({ adminToken: 'generated-secret', adminPassword: 'generated-secret' });
  });

  it('should read every variable and keep given secrets', () => {
    const { config, generated } = loadConfig(
      {
        PORT: '9000',
        HOST: '0.0.0.0',
        PUBLIC_URL: 'https://forms.example.com/',
        DATABASE_URL: 'libsql://db.example.com',
        DATABASE_AUTH_TOKEN: 'db-token',
        SMTP_URL: 'smtps://u:p@mail.example.com:465',
        MAIL_FROM: 'Site <forms@example.com>',
        ADMIN_TOKEN: 'q0T9xqgGmlXnE6D2u-3o-DtKZ8yL3w1W',
        ADMIN_PASSWORD: 'correct horse',
        DELIVERY_RETRY_SCHEDULE: '500ms,30s,2h,1d',
        DELIVERY_MAX_AGE: '3d',
        OUTBOX_INTERVAL: '750ms',
        DELIVERY_LEASE: '90s',
        RATE_LIMIT: '5/1h',
      },
      secret,
    );
    expect(config).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      publicUrl: 'https://forms.example.com',
      databaseUrl: 'libsql://db.example.com',
      databaseAuthToken: 'db-token',
      smtpUrl: 'smtps://u:p@mail.example.com:465',
      mailFrom: 'Site <forms@example.com>',
      adminToken: 'q0T9xqgGmlXnE6D2u-3o-DtKZ8yL3w1W',
      adminPassword: 'correct horse',
      retrySchedule: [500, 30_000, 7_200_000, 86_400_000],
      maxAge: 3 * 86_400_000,
      outboxInterval: 750,
      lease: 90_000,
      rateLimit: { max: 5, windowMs: 3_600_000 },
    });
    expect(
      loadConfig({ RATE_LIMIT: 'off', ADMIN_TOKEN: 'q0T9xqgGmlXnE6D2u-3o-DtKZ8yL3w1W', ADMIN_PASSWORD: 'correct horse' }, secret).config
        .rateLimit,
    ).toBeNull();
    expect(generated).toEqual({});
  });

  it.each([
    ['PORT', 'eighty'],
    ['PUBLIC_URL', 'ftp://x'],
    ['DATABASE_URL', 'postgres://x'],
    ['SMTP_URL', 'http://mail.example.com'],
    ['MAIL_FROM', 'not an address'],
    ['DELIVERY_RETRY_SCHEDULE', '1m,soon'],
    ['DELIVERY_MAX_AGE', '5 days'],
    ['OUTBOX_INTERVAL', '0s'],
    ['DELIVERY_LEASE', '-1m'],
    ['RATE_LIMIT', 'lots'],
    ['ADMIN_TOKEN', 'short'],
    // Long enough for the old 16-character rule, hopelessly few tries away from a guess.
    ['ADMIN_TOKEN', '0123456789abcdefghij'],
    ['ADMIN_TOKEN', 'a'.repeat(40)],
    ['ADMIN_TOKEN', 'abcabcabcabcabcabcabcabcabc'],
    ['SMTP_URL', 'smtp://u:p@mail.example.com:587?allowPlainAuth=yes'],
    ['PORT', ' '],
    ['SMTP_URL', 'smtp://'],
    // Not URLs at all, or with a port no URL can have.
    ['SMTP_URL', 'foo'],
    ['SMTP_URL', 'smtp://host:99999'],
    ['SMTP_URL', 'smtp://u:p@127.0.0.1:abc'],
    ['DATABASE_URL', 'data.db'],
    ['ALERT_AFTER', 'an hour'],
    ['ALERT_EMAIL', 'ops@example.com\r\nBcc: victim@example.org'],
    ['ALERT_EMAIL', 'ops@example.com, boss@example.com'],
    ['ALERT_WEBHOOK_URL', 'ftp://hooks.example.com/x'],
    // node:dns takes resolvers by address only: a name once got through and crashed the start.
    ['DNS_SERVERS', 'dns.example:53'],
    ['DNS_SERVERS', '1.1.1.1:53, 8.8.8.8:99999'],
    ['DNS_SERVERS', '[fe80::zz]:53'],
  ])('should refuse a bad %s with one line naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value }, secret)).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value }, secret)).toThrow(new RegExp(`^Invalid ${name}=`));
  });

  it('should take DNS_SERVERS as resolver addresses, v4 or v6, with or without a port, as node:dns does', async () => {
    const list = '1.1.1.1, 1.0.0.1:53 [2606:4700::1111]:5353 2606:4700::1001';
    const { config } = loadConfig({ DNS_SERVERS: list }, secret);
    expect(config.dnsServers).toEqual(['1.1.1.1', '1.0.0.1:53', '[2606:4700::1111]:5353', '2606:4700::1001']);
    const { Resolver } = await import('node:dns');
    expect(() => new Resolver().setServers(config.dnsServers)).not.toThrow();
  });

  it('should read the alert settings: none by default, alerting after an hour; a webhook URL is never echoed', () => {
    expect(loadConfig({}, secret).config).toMatchObject({ alertWebhookUrl: undefined, alertEmail: undefined, alertAfter: 3_600_000 });
    const hook = 'https://hooks.slack.com/services/T000/B000/XXXX';
    expect(loadConfig({ ALERT_WEBHOOK_URL: hook, ALERT_EMAIL: 'ops@example.com', ALERT_AFTER: '15m' }, secret).config).toMatchObject({
      alertWebhookUrl: hook,
      alertEmail: 'ops@example.com',
      alertAfter: 900_000,
    });
    expect(() => loadConfig({ ALERT_WEBHOOK_URL: 'hooks.slack.com/services/T000/SECRET' }, secret)).toThrow(
      /^Invalid ALERT_WEBHOOK_URL=\(hidden\)/,
    );
  });

  // What README suggests for Workers, `openssl rand -base64 32`, ends in padding.
  it('should take a base64 ADMIN_TOKEN, padding included, and refuse = anywhere else', () => {
    const token = 'q0T9xqgGmlXnE6D2u/3o+DtKZ8yL3w1WbS9kq0mW4nY=';
    expect(loadConfig({ ADMIN_TOKEN: token, ADMIN_PASSWORD: 'correct horse' }, secret).config.adminToken).toBe(token);
    expect(() => loadConfig({ ADMIN_TOKEN: 'abc=defghijklmnopqrstuvwxyz' }, secret)).toThrow(/^Invalid ADMIN_TOKEN=.*then = padding/);
  });

  it('should take the Node deadlines for headers and whole requests, headers never longer than the request', () => {
    expect(loadConfig({}, secret).config).toMatchObject({ headersTimeout: 10_000, requestTimeout: 30_000 });
    expect(loadConfig({ HEADERS_TIMEOUT: '2s', REQUEST_TIMEOUT: '1m' }, secret).config).toMatchObject({
      headersTimeout: 2_000,
      requestTimeout: 60_000,
    });
    expect(loadConfig({ REQUEST_TIMEOUT: '5s' }, secret).config).toMatchObject({ headersTimeout: 5_000, requestTimeout: 5_000 });
    expect(() => loadConfig({ REQUEST_TIMEOUT: 'soon' }, secret)).toThrow(/^Invalid REQUEST_TIMEOUT="soon"/);
  });

  it('should parse durations in every unit', () => {
    expect([
      parseDuration('250ms'),
      parseDuration('2s'),
      parseDuration('3m'),
      parseDuration('4h'),
      parseDuration('5d'),
      parseDuration('5x'),
    ]).toEqual([250, 2_000, 180_000, 14_400_000, 432_000_000, undefined]);
  });

  it('should stop with one clear line when the port is taken', async () => {
    const { createServer } = await import('node:net');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/node.ts'], {
      env: { ...process.env, PORT: String(port), DATABASE_URL: `file:${join(mkdtempSync(join(tmpdir(), 'fh-port-')), 'x.db')}` },
      encoding: 'utf8',
      timeout: 20_000,
    });
    taken.close();
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([`formharbor: cannot listen on HOST=127.0.0.1 PORT=${port}: EADDRINUSE`]);
  });

  it('should stop `npm start` with exit code 1 and one clear line for a bad variable', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/node.ts'], {
      env: { ...process.env, PORT: 'abc' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^formharbor: Invalid PORT="abc": /)]);
  });

  it.each([
    ['a file that is not a database', async () => `file:${notADatabase()}`, /not a database/],
    ['a server that is not there', async () => `http://127.0.0.1:${await closedPort()}`, /ECONNREFUSED/],
  ])('should stop with exit code 1 and one line naming DATABASE_URL for %s', async (_, url, reason) => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/node.ts'], {
      env: { ...process.env, PORT: '0', DATABASE_URL: await url() },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toEqual([expect.stringMatching(/^formharbor: Cannot open DATABASE_URL=\(hidden\): /)]);
    expect(lines[0]).toMatch(reason);
  });
});

describe('the visitor address on Node', () => {
  it('should use the socket peer unless proxies are trusted, then count X-Forwarded-For from the right', async () => {
    const { clientIp } = await import('../src/node-wiring.ts');
    expect(clientIp('10.0.0.2', '203.0.113.9', 0)).toBe('10.0.0.2');
    expect(clientIp('10.0.0.2', '198.51.100.1, 203.0.113.9', 1)).toBe('203.0.113.9');
    expect(clientIp('10.0.0.2', 'spoofed, 198.51.100.1, 203.0.113.9', 2)).toBe('198.51.100.1');
    expect(clientIp('10.0.0.2', undefined, 1)).toBe('10.0.0.2');
    expect(clientIp('10.0.0.2', '203.0.113.9', 2)).toBe('10.0.0.2');
    expect(loadConfig({ TRUST_PROXY: '1' }, secret).config.trustProxy).toBe(1);
    expect(() => loadConfig({ TRUST_PROXY: 'yes' }, secret)).toThrow(/^Invalid TRUST_PROXY=/);
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.ts';

const run = promisify(execFile);
let dir: string;
let sink: SmtpSink;
let env: NodeJS.ProcessEnv;

/** Runs `npx formharbor …` as a user would, answering with its exit code and output. */
async function formharbor(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/formharbor.mjs', ...args], { env, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'formharbor-cli-'));
  sink = await startSmtpSink();
  env = { ...process.env, DATABASE_URL: `file:${join(dir, 'cli.db')}`, SMTP_URL: sink.url, MAIL_FROM: 'Harbor <forms@harbor.test>' };
});
afterAll(async () => {
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
});

// Each command is a fresh Node process compiling the CLI: a few seconds each on a busy machine, and a test runs several.
describe('npx formharbor', { timeout: 120_000 }, () => {
  it('should migrate, create a form, list it, and refuse bad input with a clear line', async () => {
    expect((await formharbor('migrate')).stdout).toContain('migrated');
    const created = await formharbor(
      'forms',
      'create',
      '--id',
      'site',
      '--name',
      'Site',
      '--recipients',
      'me@site.test',
      '--origins',
      'https://site.test',
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('<script src="http://127.0.0.1:8787/embed.js" defer></script>');
    expect((await formharbor('forms', 'list')).stdout).toBe('site\tSite\tme@site.test\n');
    const bad = await formharbor('forms', 'create', '--name', 'X', '--recipients', 'not-an-address');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^formharbor: Some fields are not valid .*recipients\.0/);
    const duplicate = await formharbor('forms', 'create', '--id', 'site', '--name', 'Again', '--recipients', 'me@site.test');
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toBe('formharbor: A form with the id "site" exists\n');
    expect(JSON.parse(created.stdout.slice(0, created.stdout.indexOf('\n}') + 2))).toMatchObject({
      id: 'site',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const badJson = await formharbor('forms', 'create', '--name', 'X', '--recipients', 'me@site.test', '--fields', '[{name:');
    expect([badJson.code, badJson.stderr.split('\n')[0]]).toEqual([1, expect.stringMatching(/^formharbor: --fields must be JSON: /)]);
    expect((await formharbor('nonsense')).code).toBe(2);
  });

  it('should send one real test mail and export submissions as CSV', async () => {
    const mail = await formharbor('mail', 'test', '--to', 'owner@site.test');
    expect(mail.code).toBe(0);
    expect(mail.stdout).toMatch(/^250 /);
    const [message] = await sink.waitFor(1);
    expect(message!.envelope).toEqual({ from: 'forms@harbor.test', to: ['owner@site.test'] });
    const out = join(dir, 'export.csv');
    expect((await formharbor('submissions', 'export', '--form', 'site', '--out', out)).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('id,createdAt,status,spamReasons\r\n');
    const unwritable = await formharbor('submissions', 'export', '--form', 'site', '--out', join(dir, 'missing', 'x.csv'));
    expect([unwritable.code, unwritable.stderr]).toEqual([1, expect.stringMatching(/^formharbor: Cannot write --out .*ENOENT.*\n$/)]);
    const twoAddresses = await formharbor('mail', 'test', '--to', 'a@site.test, b@site.test');
    expect([twoAddresses.code, twoAddresses.stderr]).toEqual([1, expect.stringMatching(/^formharbor: Some fields are not valid .*"to"/)]);
    expect(sink.messages).toHaveLength(1);
    expect((await formharbor('outbox', 'retry', 'missing')).stderr).toContain('There is no such delivery');
  });

  it("should update a form's spam settings, refuse a bad one with a clear line, and erase by email across forms", async () => {
    const updated = await formharbor(
      'forms',
      'update',
      '--id',
      'site',
      '--captcha',
      'recaptcha:6LSITE:the-secret',
      '--min-score',
      '0.7',
      '--min-seconds',
      '3',
      '--blocked-words',
      'casino,博彩',
      '--form-limit',
      '100/1h',
    );
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout).spam).toMatchObject({
      captcha: { provider: 'recaptcha', siteKey: '6LSITE', secret: 'set', minScore: 0.7 },
      minSeconds: 3,
      blockedWords: ['casino', '博彩'],
      formLimit: '100/1h',
    });
    const cleared = await formharbor('forms', 'update', '--id', 'site', '--captcha', 'none', '--form-limit', 'none');
    expect(JSON.parse(cleared.stdout).spam).toMatchObject({ captcha: null, formLimit: null, minSeconds: 3 });
    const badScore = await formharbor('forms', 'update', '--id', 'site', '--min-score', '2', '--captcha', 'recaptcha:k:s');
    expect([badScore.code, badScore.stderr]).toEqual([
      1,
      expect.stringMatching(/^formharbor: Some fields are not valid .*between 0 and 1/),
    ]);
    const missing = await formharbor('forms', 'update', '--id', 'nope', '--name', 'X');
    expect([missing.code, missing.stderr]).toEqual([1, 'formharbor: There is no form "nope" (give --id ID)\n']);

    expect((await formharbor('forms', 'create', '--id', 'other', '--name', 'Other', '--recipients', 'me@site.test')).code).toBe(0);
    const db = createClient({ url: env.DATABASE_URL! });
    const insert = (id: string, formId: string, data: object) =>
      db.execute({
        sql: `INSERT INTO submissions (id, form_id, created_at, status, data, meta) VALUES (?, ?, ?, 'inbox', ?, '{}')`,
        args: [id, formId, Date.now(), JSON.stringify(data)],
      });
    await insert('s1', 'site', { email: 'Leak@Visitor.test', message: 'hi' });
    await insert('s2', 'other', { note: 'write to leak@visitor.test please' });
    await insert('s3', 'site', { email: 'someone@else.test' });
    const erased = await formharbor('erase', '--email', 'leak@visitor.test');
    expect([erased.code, erased.stdout]).toEqual([0, 'Deleted 2 submission(s) holding leak@visitor.test.\n']);
    expect((await db.execute('SELECT id FROM submissions ORDER BY id')).rows.map((row) => row.id)).toEqual(['s3']);
    const notAnAddress = await formharbor('erase', '--email', 'not an address');
    expect(notAnAddress.code).toBe(1);
    db.close();
  });

  it('should give a form webhooks from the CLI, show their secrets once, refuse a private target, and remove them', async () => {
    const created = await formharbor(
      'forms',
      'create',
      '--id',
      'hooked',
      '--name',
      'Hooked',
      '--recipients',
      'me@site.test',
      '--webhook',
      'slack:https://hooks.slack.test/services/T0/B0/x',
      '--webhook',
      'https://crm.test/in?source=form',
    );
    expect(created.code).toBe(0);
    const form = JSON.parse(created.stdout.slice(0, created.stdout.indexOf('\n}') + 2));
    expect(form.webhooks).toEqual([
      {
        id: expect.any(String),
        url: 'https://hooks.slack.test/services/T0/B0/x',
        format: 'slack',
        secret: expect.stringMatching(/^whsec_/),
      },
      { id: expect.any(String), url: 'https://crm.test/in?source=form', format: 'standard', secret: expect.stringMatching(/^whsec_/) },
    ]);
    const loopback = await formharbor('forms', 'update', '--id', 'hooked', '--webhook', 'standard:https://127.0.0.1/in');
    expect([loopback.code, loopback.stderr]).toEqual([
      1,
      expect.stringMatching(/^formharbor: Some fields are not valid .*loopback, private/),
    ]);
    const renamed = await formharbor('forms', 'update', '--id', 'hooked', '--name', 'Still hooked');
    expect(JSON.parse(renamed.stdout).webhooks).toEqual(form.webhooks.map((w: object) => ({ ...w, secret: 'set' })));
    const removed = await formharbor('forms', 'update', '--id', 'hooked', '--webhook', 'none');
    expect(JSON.parse(removed.stdout).webhooks).toEqual([]);
  });

  it('should turn a form auto-reply on and off from the CLI, refusing a subject of two lines', async () => {
    const subject = 'Thanks for writing';
    const on = await formharbor(
      'forms',
      'create',
      '--id',
      'answered',
      '--name',
      'Answered',
      '--recipients',
      'me@site.test',
      '--auto-reply-subject',
      subject,
      '--auto-reply-text',
      'We read every message.\\nThe team',
    );
    expect(on.code).toBe(0);
    expect(JSON.parse(on.stdout.slice(0, on.stdout.indexOf('\n}') + 2)).autoReply).toEqual({
      subject,
      text: 'We read every message.\nThe team',
    });
    const twoLines = await formharbor(
      'forms',
      'update',
      '--id',
      'answered',
      '--auto-reply-subject',
      'Hi\nBcc: x@evil.test',
      '--auto-reply-text',
      'x',
    );
    expect([twoLines.code, twoLines.stderr]).toEqual([1, expect.stringMatching(/autoReply\.subject.*one line/)]);
    const off = await formharbor('forms', 'update', '--id', 'answered', '--auto-reply', 'none');
    expect(JSON.parse(off.stdout).autoReply).toBeNull();
  });
});

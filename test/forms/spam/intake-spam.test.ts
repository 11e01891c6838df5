import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listDeliveries } from '../../../src/db/delivery-reads.ts';
import { defaultSpamSettings, type SpamSettings } from '../../../src/db/schema.ts';
import { getForm } from '../../../src/db/forms.ts';
import { openLibsql } from '../../../src/db/libsql.ts';
import { renderNotification } from '../../../src/mail/render.ts';
import { getSetting } from '../../../src/db/settings.ts';
import { getSubmission } from '../../../src/db/submissions.ts';
import { ticketSecret } from '../../../src/forms/spam/secret.ts';
import { testApp, type TestApp } from '../../support/app.ts';
import { startSiteverify } from '../../support/siteverify.ts';

let verifier: Awaited<ReturnType<typeof startSiteverify>>;
let t: TestApp;
beforeAll(async () => void (verifier = await startSiteverify()));
afterAll(() => verifier.close());
beforeEach(async () => {
  t = await testApp({ env: verifier.env, clientIp: '198.51.100.7' });
});
afterEach(() => t.close());

const spamForm = (spam: Partial<SpamSettings>) => t.createForm({ id: 'contact', spam: { ...defaultSpamSettings(), ...spam } });

async function post(fields: Record<string, unknown>) {
  const res = await t.app.request('/f/contact', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fields),
  });
  return { status: res.status, body: (await res.json()) as { ok: boolean; id: string; error?: string; message?: string } };
}

/** The stored row and how many deliveries it got. */
async function stored(id: string) {
  const row = await getSubmission(t.deps.db, id);
  return { row, deliveries: (await listDeliveries(t.deps.db, { submissionIds: [id], limit: 10 })).length };
}

async function ticket() {
  const res = await t.app.request('/f/contact/ticket');
  expect(res.headers.get('cache-control')).toBe('no-store');
  return ((await res.json()) as { ticket: string }).ticket;
}

const PERSON = { email: 'anna@site.test', message: 'Hi, see https://example.com/brief, thanks' };

describe('content rules at intake', () => {
  it.each([
    ['links', { maxLinks: 1 }, { message: 'a.com b.com https://c.example' }],
    ['blocked_word', { blockedWords: ['代开发票'] }, { message: '您好，我们可以代开发票。' }],
    ['blocked_email_domain', { blockedEmailDomains: ['spam.example'] }, { email: 'bot@mx.spam.example' }],
    ['blocked_ip', { blockedIps: ['198.51.100.0/24'] }, { message: 'hello' }],
  ] as [string, Partial<SpamSettings>, Record<string, string>][])(
    'should store %s as spam with its reason, answer 201 like success and mail nothing',
    async (reason, spam, fields) => {
      await spamForm(spam);
      const { status, body } = await post(fields);
      expect(status).toBe(201);
      expect(body).toEqual({ ok: true, id: body.id });
      const { row, deliveries } = await stored(body.id);
      expect(row).toMatchObject({ status: 'spam', meta: { spamReasons: [reason] } });
      expect(deliveries).toBe(0);
      const api = (await (await t.api(`/submissions/${body.id}`)).json()) as { spamReasons: string[] };
      expect(api.spamReasons).toEqual([reason]);
    },
  );

  it('should take a person with one link, names like 張偉 and Müller and a 5,000-character message into the inbox', async () => {
    await spamForm({
      maxLinks: 1,
      blockedWords: ['casino', '代开发票'],
      blockedEmailDomains: ['spam.example'],
      blockedIps: ['203.0.113.0/24'],
    });
    for (const fields of [PERSON, { name: '張偉', message: '你好，我想预约。' }, { name: 'Müller', message: 'x'.repeat(5_000) }]) {
      const { status, body } = await post(fields);
      expect(status).toBe(201);
      const { row, deliveries } = await stored(body.id);
      expect(row!.status).toBe('inbox');
      expect(row!.meta.spamReasons).toBeUndefined();
      expect(deliveries).toBe(1);
      expect(((await (await t.api(`/submissions/${body.id}`)).json()) as { spamReasons: string[] }).spamReasons).toEqual([]);
    }
  });
});

describe('the _ticket', () => {
  it('should take a ticket older than minSeconds, and never store it as data', async () => {
    await spamForm({ minSeconds: 5 });
    const _ticket = await ticket();
    t.clock.advance(5_000);
    const { body } = await post({ ...PERSON, _ticket });
    const { row } = await stored(body.id);
    expect(row!.status).toBe('inbox');
    expect(row!.data).toEqual(PERSON);
  });

  it('should keep a post too fast, forged, for another form or expired as spam, and judge one without a ticket by the other rules', async () => {
    await spamForm({ minSeconds: 5 });
    await t.createForm({ id: 'other' });
    const fresh = await ticket();
    const foreign = ((await (await t.app.request('/f/other/ticket')).json()) as { ticket: string }).ticket;
    t.clock.advance(4_000);
    const reasons = async (fields: Record<string, unknown>) => {
      const { row, deliveries } = await stored((await post({ ...PERSON, ...fields })).body.id);
      // Spam is stored as spam and never mailed; a person's message is in the inbox with its notification.
      expect([row!.status, deliveries]).toEqual(row!.meta.spamReasons ? ['spam', 0] : ['inbox', 1]);
      return row!.meta.spamReasons;
    };
    expect(await reasons({ _ticket: fresh })).toEqual(['too_fast']);
    t.clock.advance(10_000);
    expect(await reasons({ _ticket: `${fresh.split('.')[0]}.${'x'.repeat(32)}` })).toEqual(['bad_ticket']);
    expect(await reasons({ _ticket: foreign })).toEqual(['bad_ticket']);
    expect(await reasons({})).toBeUndefined();
    t.clock.advance(25 * 3_600_000);
    expect(await reasons({ _ticket: fresh })).toEqual(['bad_ticket']);
  });

  it('should sign with a secret kept in the database, so a ticket outlives the process that issued it', async () => {
    await spamForm({ minSeconds: 1 });
    const _ticket = await ticket();
    // A second connection to the same file, as after a restart or in another Worker isolate: no key in memory.
    const reopened = await openLibsql(t.database.url);
    try {
      expect(await getSetting(reopened.db, 'ticket_secret')).toMatch(/^[\w-]{40,}$/);
      expect(await ticketSecret(reopened.db)).toBe(await ticketSecret(t.deps.db));
    } finally {
      reopened.client.close();
    }
    t.clock.advance(2_000);
    expect((await stored((await post({ ...PERSON, _ticket })).body.id)).row!.status).toBe('inbox');
  });
});

describe('captcha at intake', () => {
  const withCaptcha = (provider: 'turnstile' | 'hcaptcha' | 'recaptcha', minScore?: number) =>
    spamForm({ captcha: { provider, siteKey: 'site-key', secret: 'secret-ok', ...(minScore !== undefined && { minScore }) } });

  it.each([
    ['turnstile', 'cf-turnstile-response'],
    ['hcaptcha', 'h-captcha-response'],
    ['recaptcha', 'g-recaptcha-response'],
  ] as const)('should store and deliver a %s submission whose token passes, without the token as data', async (provider, field) => {
    await withCaptcha(provider);
    const { status, body } = await post({ ...PERSON, [field]: 'good' });
    expect(status).toBe(201);
    const { row, deliveries } = await stored(body.id);
    expect(row!.data).toEqual(PERSON);
    expect(row!.meta.captchaUnchecked).toBeUndefined();
    expect(deliveries).toBe(1);
    expect(verifier.requests.at(-1)).toMatchObject({
      path: expect.stringContaining(provider),
      secret: 'secret-ok',
      remoteip: '198.51.100.7',
    });
  });

  it.each([
    ['a wrong token', { 'cf-turnstile-response': 'wrong' }],
    ['a missing token', {}],
    ['an expired token', { 'cf-turnstile-response': 'expired' }],
    ["another provider's field", { 'h-captcha-response': 'good' }],
  ])('should answer %s with 422 captcha and store nothing', async (_, token) => {
    await withCaptcha('turnstile');
    const { status, body } = await post({ ...PERSON, ...token });
    expect(status).toBe(422);
    expect(body).toMatchObject({ ok: false, error: 'captcha' });
    expect(((await (await t.api('/forms/contact/submissions')).json()) as { items: unknown[] }).items).toEqual([]);
  });

  it('should answer a reCAPTCHA v3 score below minScore with 422 captcha', async () => {
    await withCaptcha('recaptcha', 0.5);
    expect((await post({ ...PERSON, 'g-recaptcha-response': 'low' })).body.error).toBe('captcha');
    expect((await post({ ...PERSON, 'g-recaptcha-response': 'good' })).status).toBe(201);
  });

  it('should keep and deliver the message, marked unchecked, when the verifier answers 500 or cannot be reached', async () => {
    await withCaptcha('turnstile');
    verifier.state.status = 500;
    const down500 = await post({ ...PERSON, 'cf-turnstile-response': 'good' }).finally(() => (verifier.state.status = 200));
    expect(down500.status).toBe(201);
    const first = await stored(down500.body.id);
    expect(first.row).toMatchObject({ status: 'inbox', meta: { captchaUnchecked: expect.stringContaining('verifier answered 500') } });
    expect(first.deliveries).toBe(1);
    // The owner's mail says the check did not run.
    const form = (await getForm(t.deps.db, 'contact'))!;
    const mail = renderNotification({
      form,
      submission: first.row!,
      messageId: '<m@harbor.test>',
      publicUrl: 'http://harbor.test',
      mailFrom: 'f@harbor.test',
    });
    expect(JSON.stringify(mail)).toContain('The captcha could not be checked (turnstile could not be verified (verifier answered 500)');

    const unreachable = await testApp({ env: { TURNSTILE_VERIFY_URL: 'http://127.0.0.1:1/siteverify' } });
    try {
      await unreachable.createForm({
        id: 'contact',
        spam: { ...defaultSpamSettings(), captcha: { provider: 'turnstile', siteKey: 'k', secret: 's' } },
      });
      const res = await unreachable.app.request('/f/contact', {
        method: 'POST',
        headers: { accept: 'application/json' },
        body: new URLSearchParams({ ...PERSON, 'cf-turnstile-response': 'good' }),
      });
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      const row = await getSubmission(unreachable.deps.db, id);
      expect(row).toMatchObject({ status: 'inbox', meta: { captchaUnchecked: expect.stringContaining('unreachable') } });
      expect(unreachable.errors.join()).toContain('captcha could not be verified');
    } finally {
      await unreachable.close();
    }
  });

  it('should tell a visitor without JavaScript on the 422 page that the form needs it', async () => {
    await withCaptcha('turnstile');
    const res = await t.app.request('/f/contact', { method: 'POST', body: new URLSearchParams(PERSON) });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('This form needs JavaScript for that check');
  });

  it('should tell the embed which captcha to render with the ticket', async () => {
    await withCaptcha('hcaptcha');
    const body = await (await t.app.request('/f/contact/ticket', { headers: { origin: 'https://site.test' } })).json();
    expect(body).toEqual({ ticket: expect.any(String), captcha: { provider: 'hcaptcha', siteKey: 'site-key' } });
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getForm } from '../../src/db/forms.ts';
import { testApp, type TestApp } from '../support/app.ts';
import { apiClient } from '../support/admin.ts';

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(() => t.close());

const { send, get } = apiClient(() => t);
const input = { id: 'contact', name: 'Contact', recipients: ['owner@site.test'] };
const captcha = { provider: 'turnstile', siteKey: '0x4AAA', secret: 'top-secret' };

describe('/api/forms spam settings', () => {
  it('should give a new form the contract defaults and 30 days for spam', async () => {
    const { body } = await send('/forms', 'POST', input);
    expect(body.spam).toEqual({
      captcha: null,
      minSeconds: 0,
      maxLinks: null,
      blockedWords: [],
      blockedEmailDomains: [],
      blockedIps: [],
      formLimit: null,
    });
    expect(body).toMatchObject({ retentionDays: null, spamRetentionDays: 30 });
  });

  it('should store the captcha secret but show it only as "set"', async () => {
    const { status, body } = await send('/forms', 'POST', { ...input, spam: { captcha, minSeconds: 3 } });
    expect(status).toBe(201);
    expect(body.spam.captcha).toEqual({ ...captcha, secret: 'set' });
    expect((await get('/forms/contact')).body.spam.captcha.secret).toBe('set');
    expect((await getForm(t.deps.db, 'contact'))!.spam.captcha!.secret).toBe('top-secret');
  });

  it('should change only the spam keys a PATCH names and keep the secret when it is left out or sent back as "set"', async () => {
    await send('/forms', 'POST', { ...input, spam: { captcha, blockedWords: ['casino'] } });
    const { status, body } = await send('/forms/contact', 'PATCH', {
      spam: { maxLinks: 2, captcha: { ...captcha, secret: 'set', minScore: 0.5 } },
      retentionDays: 90,
    });
    expect(status).toBe(200);
    expect(body.spam).toMatchObject({ maxLinks: 2, blockedWords: ['casino'], captcha: { minScore: 0.5, secret: 'set' } });
    expect(body.retentionDays).toBe(90);
    expect((await getForm(t.deps.db, 'contact'))!.spam.captcha!.secret).toBe('top-secret');
    await send('/forms/contact', 'PATCH', { spam: { captcha: null } });
    expect((await getForm(t.deps.db, 'contact'))!.spam.captcha).toBeNull();
  });

  it('should refuse bad settings with 422 naming each one', async () => {
    const { status, body } = await send('/forms', 'POST', {
      ...input,
      spam: {
        captcha: { provider: 'akismet', siteKey: '' },
        minSeconds: -1,
        blockedIps: ['10.0.0.0/33', 'example.com'],
        blockedEmailDomains: ['not a domain'],
        formLimit: 'lots',
      },
      spamRetentionDays: 0,
    });
    expect(status).toBe(422);
    const named = Object.keys(body.fields);
    for (const key of [
      'spam.captcha.provider',
      'spam.captcha.siteKey',
      'spam.minSeconds',
      'spam.blockedIps.0',
      'spam.blockedIps.1',
      'spam.blockedEmailDomains.0',
      'spam.formLimit',
      'spamRetentionDays',
    ]) {
      expect(named).toContain(key);
    }
    expect(body.fields['spam.blockedIps.0']).toEqual(['must be an IP address or a CIDR range like 198.51.100.0/24']);
    expect(body.fields['spam.formLimit']).toEqual([
      'must be like 100/1h (submissions per window for the whole form, a window of at most 1d)',
    ]);
  });

  it('should refuse a captcha without a secret when none is stored', async () => {
    const { status, body } = await send('/forms', 'POST', { ...input, spam: { captcha: { provider: 'hcaptcha', siteKey: 'k' } } });
    expect(status).toBe(422);
    expect(body.fields).toEqual({ 'spam.captcha.secret': ['the secret key from hcaptcha is required'] });
  });
});

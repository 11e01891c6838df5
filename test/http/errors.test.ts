import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import type { Log } from '../../src/deps.ts';
import { AppError, ERROR_CODES, type ErrorCode } from '../../src/errors.ts';
import { handleErrors, notFound } from '../../src/http/errors.ts';
import { translator } from '../../src/i18n/index.ts';
import { ADMIN_CSP, PAGE_CSP } from '../../src/pages.ts';
import { form, testApp, type TestApp } from '../support/app.ts';

// The contract's statuses as CONTRACT.md lists them, written out here rather than read from
// src/http: the table there must agree with this.
const CONTRACT: [number, ErrorCode[]][] = [
  [400, ['bad_request']],
  [401, ['unauthorized']],
  [403, ['csrf', 'origin']],
  [404, ['not_found']],
  [409, ['conflict', 'idempotency_conflict', 'idempotency_in_progress']],
  [413, ['too_large']],
  [415, ['unsupported_media_type']],
  [422, ['validation', 'captcha']],
  [429, ['rate_limited']],
  [503, ['unavailable']],
];
const CONTRACT_STATUS = Object.fromEntries(CONTRACT.flatMap(([status, codes]) => codes.map((code) => [code, status])));

const logged: string[] = [];
const log: Log = { info: () => {}, error: (message, extra) => logged.push(`${message} ${JSON.stringify(extra)}`) };

/** Every path ending in a code throws that code, as domain code would. */
const app = new Hono();
app.all('*', (c) => {
  const code = c.req.path.split('/').pop() as ErrorCode;
  if (!ERROR_CODES.includes(code)) return notFound(c);
  throw new AppError(code, `Refused: ${code}`, code === 'rate_limited' ? { retryAfter: 120 } : {});
});
app.onError(handleErrors(log));

const json = { accept: 'application/json' };

describe('the error module', () => {
  it('should know every code of the closed list', () => {
    expect([...ERROR_CODES].sort()).toEqual(CONTRACT.flatMap(([, codes]) => codes).sort());
  });

  it.each(ERROR_CODES)('should answer %s with the contract status in the JSON envelope', async (code) => {
    const res = await app.request(`/f/${code}`, { method: 'POST', headers: json });
    expect(res.status).toBe(CONTRACT_STATUS[code]);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ ok: false, error: code, message: `Refused: ${code}` });
  });

  it.each(ERROR_CODES)('should answer %s with the contract status on a visitor page under PAGE_CSP', async (code) => {
    const res = await app.request(`/f/${code}`, { method: 'POST', body: form({ name: 'Ann' }) });
    expect(res.status).toBe(CONTRACT_STATUS[code]);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toBe(PAGE_CSP);
    const page = await res.text();
    expect(page).toContain(`<title>Error ${CONTRACT_STATUS[code]}</title>`);
    expect(page).toContain(`<h1>Your message was not sent</h1><p class="error">Refused: ${code}</p>`);
  });

  // The owner reads the code's words in their language; the English message is the API's.
  it.each(ERROR_CODES)('should answer %s with the contract status on an admin page under ADMIN_CSP', async (code) => {
    const res = await app.request(`/admin/${code}`);
    expect(res.status).toBe(CONTRACT_STATUS[code]);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toBe(ADMIN_CSP);
    const said = translator('en')(`problem.${code}`);
    expect(await res.text()).toContain(`<p class="error">${said}</p><p><a href="/admin">Back to the admin</a></p>`);
    const german = await (await app.request(`/admin/${code}`, { headers: { 'accept-language': 'de' } })).text();
    expect(german).toContain(
      `<p class="error">${translator('de')(`problem.${code}`)}</p><p><a href="/admin">Zurück zur Verwaltung</a></p>`,
    );
  });

  it('should answer in JSON on /api without being asked, naming the scheme only there for a 401', async () => {
    const api = await app.request('/api/unauthorized');
    expect(api.headers.get('content-type')).toMatch(/^application\/json/);
    expect(api.headers.get('www-authenticate')).toBe('Bearer realm="formharbor"');
    expect((await app.request('/api')).headers.get('content-type')).toMatch(/^application\/json/);
    expect((await app.request('/f/unauthorized', { headers: json })).headers.get('www-authenticate')).toBeNull();
  });

  it('should say when to retry a 429, as JSON and as a page', async () => {
    for (const headers of [json, {}]) {
      expect((await app.request('/f/rate_limited', { headers })).headers.get('retry-after')).toBe('120');
    }
    expect((await app.request('/f/conflict', { headers: json })).headers.get('retry-after')).toBeNull();
  });
});

/** What the log holds and the answer must not: the failed SQL and the stack. */
const INTERNALS = /Failed query|from "forms"|\n\s+at /;

describe('an unknown error', () => {
  let t: TestApp;
  afterEach(() => t.close());

  // The database going away under a running app: nothing the client did, nothing it should read about.
  it('should be answered 500 with a request id the log also names, and nothing of its internals', async () => {
    t = await testApp();
    t.database.client.close();
    const res = await t.api('/forms');
    expect(res.status).toBe(500);
    const text = await res.text();
    const { requestId, ...rest } = JSON.parse(text) as { requestId: string };
    expect(rest).toEqual({ ok: false, error: 'internal' });
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(text).not.toMatch(INTERNALS);
    expect(t.errors).toEqual([expect.stringMatching(new RegExp(`^unhandled error .*"requestId":"${requestId}".*"error":".*\\\\n +at `))]);

    const page = await t.app.request('/f/contact', { method: 'POST', body: form({ name: 'Ann' }) });
    expect(page.status).toBe(500);
    expect(page.headers.get('content-security-policy')).toBe(PAGE_CSP);
    const html = await page.text();
    const pageId = /request ([0-9a-f-]{36})/.exec(html)?.[1];
    expect(t.errors[1]).toContain(`"requestId":"${pageId}"`);
    expect(html).not.toMatch(INTERNALS);
  });
});

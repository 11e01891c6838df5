import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { secretsEqual } from '../../src/ids.ts';
import { ADMIN_TOKEN, testApp, type TestApp } from '../support/app.ts';
import { apiClient } from '../support/admin.ts';

// The real compare, watched: the token check must go through the constant-time helper.
vi.mock('../../src/ids.ts', async (importOriginal) => {
  const ids = await importOriginal<typeof import('../../src/ids.ts')>();
  return { ...ids, secretsEqual: vi.fn(ids.secretsEqual) };
});

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(() => t.close());

const { get } = apiClient(() => t);

describe('/api authentication', () => {
  const unauthorized = { ok: false, error: 'unauthorized' };

  it('should answer 401 JSON without an Authorization header', async () => {
    const res = await t.app.request('/api/forms');
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject(unauthorized);
  });

  it.each([
    ['a longer token', `${ADMIN_TOKEN}x`],
    ['a prefix of the token', ADMIN_TOKEN.slice(0, -1)],
    ['its first characters', ADMIN_TOKEN.slice(0, 5)],
    ['the token in other case', ADMIN_TOKEN.toUpperCase()],
  ])('should answer 401 JSON to %s', async (_, token) => {
    const res = await t.app.request('/api/forms', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject(unauthorized);
  });

  it.each([['Basic dXNlcjpwYXNz'], [`Bearer`], [`Bearer ${ADMIN_TOKEN} extra`], [ADMIN_TOKEN], ['Bearer "quoted"']])(
    'should answer 401 JSON to the malformed header %j',
    async (authorization) => {
      const res = await t.app.request('/api/forms', { headers: { authorization } });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject(unauthorized);
    },
  );

  it('should refuse writes without a token and change nothing', async () => {
    const res = await t.app.request('/api/forms', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'X', recipients: ['a@b.test'] }),
    });
    expect(res.status).toBe(401);
    expect((await get('/forms')).body.items).toEqual([]);
  });

  it('should let the right token in, with the scheme in any case', async () => {
    const res = await t.app.request('/api/forms', { headers: { authorization: `bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
  });

  it('should compare the token with the constant-time secretsEqual', async () => {
    vi.mocked(secretsEqual).mockClear();
    await t.app.request('/api/forms', { headers: { authorization: 'Bearer not-the-token' } });
    expect(secretsEqual).toHaveBeenCalledWith('not-the-token', ADMIN_TOKEN);
  });
});

describe('/api token guessing (security row 37)', () => {
  const GUESSER = '203.0.113.9';
  const from = (ip: string, authorization?: string) =>
    t.app.request('/api/forms', { headers: { 'x-test-ip': ip, ...(authorization && { authorization }) } });
  beforeEach(() => {
    t.deps.clientIp = (c) => c.req.header('x-test-ip');
  });

  it('should answer 429 after 10 wrong tokens from one address, log it once, and let the right token in from another', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await from(GUESSER, `Bearer guess-${i}-0123456789abcdefgh`)).status);
    expect(statuses).toEqual([...Array<number>(10).fill(401), ...Array<number>(30).fill(429)]);

    vi.mocked(secretsEqual).mockClear();
    const limited = await from(GUESSER, `Bearer ${ADMIN_TOKEN}`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ ok: false, error: 'rate_limited' });
    // Refused before the compare: an address over the limit cannot learn that a guess was right.
    expect(secretsEqual).not.toHaveBeenCalled();
    expect(t.errors.filter((line) => line.includes('too many wrong API tokens'))).toEqual([expect.stringContaining(GUESSER)]);

    expect((await from('198.51.100.7', `Bearer ${ADMIN_TOKEN}`)).status).toBe(200);
    t.clock.advance(10 * 60_000);
    expect((await from(GUESSER, `Bearer ${ADMIN_TOKEN}`)).status).toBe(200);
  });

  it('should count a missing or malformed Authorization header as a guess, an IPv6 address by its /64', async () => {
    for (let i = 0; i < 10; i++) expect((await from(`2001:db8:42:7::${i + 1}`, i % 2 ? 'Basic x' : undefined)).status).toBe(401);
    expect((await from('2001:db8:42:7::ff')).status).toBe(429);
  });

  it('should not write to the database for a right token', async () => {
    for (let i = 0; i < 20; i++) expect((await from(GUESSER, `Bearer ${ADMIN_TOKEN}`)).status).toBe(200);
    expect((await t.database.client.execute('select count(*) from rate_limits')).rows[0]![0]).toBe(0);
  });
});

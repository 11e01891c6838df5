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

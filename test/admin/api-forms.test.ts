import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.ts';
import { apiClient, type Json } from '../support/admin.ts';

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(() => t.close());

const { send, get, submit } = apiClient(() => t);

describe('/api/forms', () => {
  const input = { name: 'Contact', recipients: ['owner@site.test'] };

  it('should create a form with a generated id and answer 201 with it', async () => {
    const { status, body } = await send('/forms', 'POST', input);
    expect(status).toBe(201);
    expect(body).toMatchObject({ name: 'Contact', recipients: ['owner@site.test'], allowedOrigins: [], fields: [], extraFields: 'keep' });
    expect(body.id).toMatch(/^[A-Za-z0-9]+$/);
    expect((await get(`/forms/${body.id}`)).body).toEqual(body);
  });

  it('should create a form under the id it was given', async () => {
    const { status, body } = await send('/forms', 'POST', { ...input, id: 'contact', allowedOrigins: ['https://site.test/'] });
    expect(status).toBe(201);
    expect(body).toMatchObject({ id: 'contact', allowedOrigins: ['https://site.test'] });
    expect(body.createdAt).toBe(new Date(t.clock.now()).toISOString());
  });

  it('should store allowed origins as browsers send them: lower-case, no default port, punycode', async () => {
    const { status, body } = await send('/forms', 'POST', {
      ...input,
      allowedOrigins: ['HTTPS://Site.TEST', 'https://site.test:443', 'http://site.test:8080/', 'https://bücher.de'],
    });
    expect(status).toBe(201);
    expect(body.allowedOrigins).toEqual(['https://site.test', 'http://site.test:8080', 'https://xn--bcher-kva.de']);
  });

  it.each([
    ['a bad recipient', { recipients: ['not-an-address'] }, 'recipients.0'],
    ['no recipient', { recipients: [] }, 'recipients'],
    ['a bad allowed origin', { allowedOrigins: ['https://site.test/path'] }, 'allowedOrigins.0'],
    ['an allowed origin with a query', { allowedOrigins: ['https://site.test/?x=1'] }, 'allowedOrigins.0'],
    ['an allowed origin with a login', { allowedOrigins: ['https://me@site.test'] }, 'allowedOrigins.0'],
    ['an origin that is not http(s)', { allowedOrigins: ['javascript:alert(1)'] }, 'allowedOrigins.0'],
    ['a select without options', { fields: [{ name: 'topic', type: 'select' }] }, 'fields.0.options'],
    ['an unknown field type', { fields: [{ name: 'x', type: 'file' }] }, 'fields.0.type'],
    ['an empty name', { name: ' ' }, 'name'],
    ['a bad id', { id: '../etc' }, 'id'],
  ])('should answer 422 with a message for %s', async (_, change, field) => {
    const { status, body } = await send('/forms', 'POST', { ...input, ...change });
    expect(status).toBe(422);
    expect(body).toMatchObject({ ok: false, error: 'validation' });
    expect(body.fields[field]).toEqual([expect.any(String)]);
    expect((await get('/forms')).body.items).toEqual([]);
  });

  it('should answer 409 for a duplicate id and keep the first form', async () => {
    await send('/forms', 'POST', { ...input, id: 'contact' });
    const { status, body } = await send('/forms', 'POST', { ...input, id: 'contact', name: 'Other' });
    expect(status).toBe(409);
    expect(body).toMatchObject({ ok: false, error: 'conflict' });
    expect((await get('/forms/contact')).body.name).toBe('Contact');
  });

  it('should keep one copy of a recipient or an allowed site given twice, in any case', async () => {
    const res = await t.api('/forms', {
      method: 'POST',
      body: JSON.stringify({
        name: 'Twice',
        recipients: ['Owner@site.test', 'team@site.test', 'owner@SITE.test'],
        allowedOrigins: ['https://site.test', 'https://SITE.test:443'],
      }),
    });
    expect(await res.json()).toMatchObject({ recipients: ['Owner@site.test', 'team@site.test'], allowedOrigins: ['https://site.test'] });
  });

  it('should answer 400 to a body that is not JSON', async () => {
    const res = await t.api('/forms', { method: 'POST', body: '{name' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: 'bad_request' });
  });

  it('should answer 415 to a form-encoded body (curl -d without a JSON type) and create nothing', async () => {
    for (const [type, body] of [
      ['application/x-www-form-urlencoded', 'name=X&recipients=o%40site.test'],
      ['multipart/form-data; boundary=x', '--x--'],
    ]) {
      const res = await t.api('/forms', { method: 'POST', headers: { 'content-type': type! }, body });
      expect(res.status, type).toBe(415);
      expect(await res.json()).toMatchObject({ ok: false, error: 'unsupported_media_type' });
    }
    expect((await get('/forms')).body.items).toEqual([]);
    // Scripts that send JSON as text/plain are still understood.
    expect(
      (
        await t.api('/forms', {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: JSON.stringify({ name: 'X', recipients: ['o@site.test'] }),
        })
      ).status,
    ).toBe(201);
  });

  it('should answer 413 to a body over 256 KB and create nothing', async () => {
    const big = { name: 'Big', recipients: ['o@site.test'], subject: 'x'.repeat(300 * 1024) };
    expect(await send('/forms', 'POST', big)).toMatchObject({ status: 413, body: { ok: false, error: 'too_large' } });
    expect((await get('/forms')).body.items).toEqual([]);
  });

  it('should list forms as {items, nextCursor} with limit and cursor', async () => {
    for (const id of ['a', 'b', 'c', 'd', 'e']) await t.createForm({ id });
    const first = await get('/forms?limit=2');
    expect(first.body.items.map((f: Json) => f.id)).toEqual(['a', 'b']);
    const second = await get(`/forms?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((f: Json) => f.id)).toEqual(['c', 'd']);
    const third = await get(`/forms?limit=2&cursor=${second.body.nextCursor}`);
    expect(third.body).toEqual({ items: [expect.objectContaining({ id: 'e' })], nextCursor: null });
  });

  it('should end with a null cursor when the last page is exactly full', async () => {
    for (const id of ['a', 'b']) await t.createForm({ id });
    expect((await get('/forms?limit=2')).body).toEqual({
      items: [expect.objectContaining({ id: 'a' }), expect.objectContaining({ id: 'b' })],
      nextCursor: null,
    });
  });

  it('should default the limit to 50', async () => {
    for (let i = 0; i < 51; i++) await t.createForm({ id: `f${String(i).padStart(2, '0')}` });
    const { body } = await get('/forms');
    expect(body.items).toHaveLength(50);
    expect(body.nextCursor).toBe('f49');
    expect((await get(`/forms?cursor=${body.nextCursor}`)).body).toEqual({
      items: [expect.objectContaining({ id: 'f50' })],
      nextCursor: null,
    });
  });

  it.each(['0', 'ten'])('should answer 422 to limit=%s', async (limit) => {
    const { status, body } = await get(`/forms?limit=${limit}`);
    expect(status).toBe(422);
    expect(body.fields.limit).toEqual([expect.any(String)]);
  });

  it('should serve at most 100 items however large the limit', async () => {
    for (let i = 0; i < 101; i++) await t.createForm({ id: `f${String(i).padStart(3, '0')}` });
    const { status, body } = await get('/forms?limit=500');
    expect(status).toBe(200);
    expect(body.items).toHaveLength(100);
    expect(body.nextCursor).toBe('f099');
  });

  it('should patch only the keys it is given', async () => {
    await send('/forms', 'POST', { ...input, id: 'contact', allowedOrigins: ['https://site.test'], extraFields: 'reject' });
    t.clock.advance(5000);
    const { status, body } = await send('/forms/contact', 'PATCH', { name: 'Renamed' });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: 'contact',
      name: 'Renamed',
      allowedOrigins: ['https://site.test'],
      extraFields: 'reject',
      recipients: ['owner@site.test'],
    });
    expect(body.updatedAt).toBe(new Date(t.clock.now()).toISOString());
    expect((await get('/forms/contact')).body).toEqual(body);
  });

  it.each(['https://site.test/\r\nSet-Cookie: a=b', ' https://site.test/', 'https://site.test/\tx', 'https://site.test/a b'])(
    'should refuse a redirectUrl with whitespace or control characters (%j): it would break the Location header',
    async (redirectUrl) => {
      await send('/forms', 'POST', { id: 'r', name: 'R', recipients: ['o@site.test'] });
      expect(await send('/forms/r', 'PATCH', { redirectUrl })).toMatchObject({
        status: 422,
        body: { error: 'validation', fields: { redirectUrl: [expect.any(String)] } },
      });
      expect((await send('/forms', 'POST', { name: 'S', recipients: ['o@site.test'], redirectUrl })).status).toBe(422);
      expect((await get('/forms/r')).body.redirectUrl).toBeNull();
    },
  );

  it('should answer 422 to a bad patch and leave the form alone', async () => {
    await t.createForm({ id: 'contact' });
    const { status, body } = await send('/forms/contact', 'PATCH', { recipients: ['nope'] });
    expect(status).toBe(422);
    expect(body.fields['recipients.0']).toEqual([expect.any(String)]);
    expect((await get('/forms/contact')).body.recipients).toEqual(['owner@site.test']);
  });

  it('should answer 404 JSON for an unknown form on GET, PATCH and DELETE', async () => {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const { status, body } = await send('/forms/nope', method, method === 'PATCH' ? { name: 'X' } : undefined);
      expect(status).toBe(404);
      expect(body).toMatchObject({ ok: false, error: 'not_found' });
    }
  });

  it('should delete a form with its submissions and their deliveries', async () => {
    await t.createForm({ id: 'contact' });
    await t.createForm({ id: 'other' });
    const gone = await submit('contact', { message: 'bye' });
    const kept = await submit('other', { message: 'stay' });
    const { status, body } = await send('/forms/contact', 'DELETE');
    expect(status).toBe(200);
    expect(body.id).toBe('contact');
    expect((await get('/forms/contact')).status).toBe(404);
    expect((await get(`/submissions/${gone}`)).status).toBe(404);
    expect((await get(`/submissions/${kept}`)).status).toBe(200);
    expect((await get('/deliveries')).body.items.map((d: Json) => d.submissionId)).toEqual([kept]);
  });
});

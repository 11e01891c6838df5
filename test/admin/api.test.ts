import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { secretsEqual } from '../../src/ids.ts';
import { ADMIN_TOKEN, testApp, type TestApp } from '../support/app.ts';

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

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const send = async (path: string, method: string, body?: unknown) => {
  const res = await t.api(path, { method, ...(body !== undefined && { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as Json };
};
const get = (path: string) => send(path, 'GET');

/** A visitor's post; the clock moves one second first so ids sort by arrival. */
async function submit(formId: string, fields: Record<string, unknown>): Promise<string> {
  t.clock.advance(1000);
  const res = await t.app.request(`/f/${formId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fields),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

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

describe('/api/forms/:id/submissions', () => {
  beforeEach(async () => {
    await t.createForm({ id: 'contact' });
  });

  it('should list submissions newest first with their deliveries', async () => {
    const first = await submit('contact', { message: 'first' });
    const second = await submit('contact', { message: 'second', tags: ['a', 'b'] });
    const { status, body } = await get('/forms/contact/submissions');
    expect(status).toBe(200);
    expect(body.nextCursor).toBeNull();
    expect(body.items.map((s: Json) => s.id)).toEqual([second, first]);
    expect(body.items[0]).toMatchObject({
      id: second,
      formId: 'contact',
      createdAt: new Date(t.clock.now()).toISOString(),
      status: 'inbox',
      data: { message: 'second', tags: ['a', 'b'] },
    });
    expect(body.items[0].deliveries).toEqual([
      expect.objectContaining({ id: expect.any(String), status: 'held', attempts: 0, lastError: null, nextAttemptAt: null }),
    ]);
  });

  it('should filter by status', async () => {
    const inbox = await submit('contact', { message: 'keep' });
    const spam = await submit('contact', { message: 'buy now', _gotcha: 'bot' });
    const archived = await submit('contact', { message: 'old' });
    await send(`/submissions/${archived}`, 'PATCH', { status: 'archived' });
    const ids = async (status: string) => (await get(`/forms/contact/submissions?status=${status}`)).body.items.map((s: Json) => s.id);
    expect(await ids('inbox')).toEqual([inbox]);
    expect(await ids('spam')).toEqual([spam]);
    expect(await ids('archived')).toEqual([archived]);
  });

  it('should treat an empty status or q as no filter', async () => {
    const id = await submit('contact', { message: 'hello' });
    const { status, body } = await get('/forms/contact/submissions?status=&q=');
    expect(status).toBe(200);
    expect(body.items.map((s: Json) => s.id)).toEqual([id]);
  });

  it('should answer 422 to an unknown status', async () => {
    const { status, body } = await get('/forms/contact/submissions?status=deleted');
    expect(status).toBe(422);
    expect(body.fields.status).toEqual([expect.any(String)]);
  });

  it('should search field text case-insensitively for ASCII', async () => {
    const hit = await submit('contact', { message: 'Please call me about the INVOICE' });
    await submit('contact', { message: 'Nothing to see' });
    const listed = await submit('contact', { topics: ['billing', 'Invoices'] });
    const { body } = await get('/forms/contact/submissions?q=invoice');
    expect(body.items.map((s: Json) => s.id)).toEqual([listed, hit]);
  });

  it('should take % and _ in q literally', async () => {
    const percent = await submit('contact', { message: '100% sure' });
    const underscore = await submit('contact', { message: 'snake_case' });
    await submit('contact', { message: '100 percent, snakeXcase' });
    const ids = async (q: string) => (await get(`/forms/contact/submissions?q=${encodeURIComponent(q)}`)).body.items.map((s: Json) => s.id);
    expect(await ids('0%')).toEqual([percent]);
    expect(await ids('%')).toEqual([percent]);
    expect(await ids('e_c')).toEqual([underscore]);
    expect(await ids('_')).toEqual([underscore]);
  });

  it('should find text with quotes and backslashes as typed', async () => {
    const quoted = await submit('contact', { message: 'She said "hi" from C:\\temp' });
    await submit('contact', { message: 'She said hi' });
    const ids = async (q: string) => (await get(`/forms/contact/submissions?q=${encodeURIComponent(q)}`)).body.items.map((s: Json) => s.id);
    expect(await ids('"hi"')).toEqual([quoted]);
    expect(await ids('C:\\temp')).toEqual([quoted]);
  });

  it('should match field values, not field names', async () => {
    await submit('contact', { message: 'hello' });
    const hit = await submit('contact', { note: 'see my message' });
    const { body } = await get('/forms/contact/submissions?q=message');
    expect(body.items.map((s: Json) => s.id)).toEqual([hit]);
  });

  it('should page through every submission with no duplicates or gaps', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await submit('contact', { n: i }));
    // Two in the same millisecond still get distinct, stable positions.
    ids.push(await submit('contact', { n: 7 }));
    t.clock.advance(-1000);
    ids.push(await submit('contact', { n: 8 }));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { body }: { body: Json } = await get(`/forms/contact/submissions?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(body.items.length).toBeLessThanOrEqual(3);
      seen.push(...body.items.map((s: Json) => s.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(9);
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(new Set(seen.slice(0, 2))).toEqual(new Set(ids.slice(7)));
    expect(seen.slice(2)).toEqual(ids.slice(0, 7).reverse());
  });

  it('should answer 404 for an unknown form', async () => {
    const { status, body } = await get('/forms/nope/submissions');
    expect(status).toBe(404);
    expect(body).toMatchObject({ ok: false, error: 'not_found' });
  });
});

describe('/api/submissions/:id', () => {
  beforeEach(async () => {
    await t.createForm({ id: 'contact' });
  });

  it('should return one submission with its deliveries', async () => {
    const id = await submit('contact', { email: 'alice@example.com', message: 'hi' });
    const { status, body } = await get(`/submissions/${id}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id,
      formId: 'contact',
      status: 'inbox',
      data: { email: 'alice@example.com', message: 'hi' },
      replyTo: 'alice@example.com',
    });
    expect(body.deliveries).toEqual([
      expect.objectContaining({ status: 'held', attempts: 0, lastError: null, nextAttemptAt: null, recipients: ['owner@site.test'] }),
    ]);
  });

  it('should change the status with PATCH', async () => {
    const id = await submit('contact', { message: 'hi' });
    for (const status of ['spam', 'archived', 'inbox']) {
      const res = await send(`/submissions/${id}`, 'PATCH', { status });
      expect(res).toMatchObject({ status: 200, body: { id, status, deliveries: [expect.objectContaining({ status: 'held' })] } });
      expect((await get(`/submissions/${id}`)).body.status).toBe(status);
    }
  });

  it('should answer 422 to an unknown status and keep the old one', async () => {
    const id = await submit('contact', { message: 'hi' });
    const { status, body } = await send(`/submissions/${id}`, 'PATCH', { status: 'deleted' });
    expect(status).toBe(422);
    expect(body.fields.status).toEqual([expect.any(String)]);
    expect((await get(`/submissions/${id}`)).body.status).toBe('inbox');
  });

  it('should delete a submission with its deliveries', async () => {
    const gone = await submit('contact', { message: 'bye' });
    const kept = await submit('contact', { message: 'stay' });
    const { status, body } = await send(`/submissions/${gone}`, 'DELETE');
    expect(status).toBe(200);
    expect(body.id).toBe(gone);
    expect((await get(`/submissions/${gone}`)).status).toBe(404);
    expect((await get('/forms/contact/submissions')).body.items.map((s: Json) => s.id)).toEqual([kept]);
    expect((await get('/deliveries')).body.items.map((d: Json) => d.submissionId)).toEqual([kept]);
  });

  it('should answer 404 JSON for an unknown submission on GET, PATCH and DELETE', async () => {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const { status, body } = await send('/submissions/nope', method, method === 'PATCH' ? { status: 'spam' } : undefined);
      expect(status).toBe(404);
      expect(body).toMatchObject({ ok: false, error: 'not_found' });
    }
  });
});

describe('/api/deliveries', () => {
  beforeEach(async () => {
    await t.createForm({ id: 'contact' });
  });

  it('should list held deliveries when SMTP is not configured', async () => {
    const first = await submit('contact', { message: 'one' });
    const second = await submit('contact', { message: 'two' });
    await submit('contact', { message: 'spam', _gotcha: 'x' });
    const { status, body } = await get('/deliveries?status=held');
    expect(status).toBe(200);
    expect(body.nextCursor).toBeNull();
    expect(body.items.map((d: Json) => [d.submissionId, d.status])).toEqual([
      [second, 'held'],
      [first, 'held'],
    ]);
    expect((await get('/deliveries?status=pending')).body.items).toEqual([]);
  });

  it('should answer 422 to an unknown delivery status', async () => {
    expect((await get('/deliveries?status=lost')).status).toBe(422);
  });

  it('should retry a delivery and return it', async () => {
    const id = await submit('contact', { message: 'one' });
    const [delivery] = (await get(`/submissions/${id}`)).body.deliveries;
    t.clock.advance(60_000);
    const { status, body } = await send(`/deliveries/${delivery.id}/retry`, 'POST');
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: delivery.id, submissionId: id, status: 'held', attempts: 0 });
  });

  it('should answer 404 when retrying an unknown delivery', async () => {
    const { status, body } = await send('/deliveries/nope/retry', 'POST');
    expect(status).toBe(404);
    expect(body).toMatchObject({ ok: false, error: 'not_found' });
  });
});

describe('/api/mail/test', () => {
  it('should answer ok:false with a reason when SMTP is not configured', async () => {
    const { status, body } = await send('/mail/test', 'POST', { to: 'owner@site.test' });
    expect(status).toBe(200);
    expect(body).toEqual({
      ok: false,
      error: expect.stringContaining('SMTP_URL'),
      transcript: '',
      hint: expect.stringContaining('Set SMTP_URL'),
    });
  });

  it('should answer 422 to a bad address', async () => {
    const { status, body } = await send('/mail/test', 'POST', { to: 'a@b.test, c@d.test' });
    expect(status).toBe(422);
    expect(body.fields.to).toEqual([expect.any(String)]);
  });
});

import { connect } from 'node:net';
import { serve } from '@hono/node-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { count } from 'drizzle-orm';
import { deliveries, submissions } from '../../src/db/schema.ts';
import { demoForm } from '../../src/demo.ts';
import { form, testApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
  await t.createForm({
    id: 'contact',
    name: 'Contact',
    fields: [
      { name: 'name', type: 'text', required: true, maxLength: 100 },
      { name: 'email', type: 'email', required: true },
      { name: 'message', type: 'textarea' },
    ],
  });
});
afterEach(() => t.close());

const json = { accept: 'application/json' };
const post = (body: BodyInit, headers: Record<string, string> = json, path = '/f/contact') =>
  t.app.request(path, { method: 'POST', body, headers });
const stored = async () => t.database.db.select().from(submissions);
const countOf = async (table: typeof submissions | typeof deliveries) => (await t.database.db.select({ n: count() }).from(table))[0]!.n;

describe('POST /f/:formId body types', () => {
  it('should store a urlencoded post and answer 201 with its id', async () => {
    const res = await post(form({ name: 'Alice', email: 'alice@example.com', message: 'Hi\r\nthere\rfriend' }));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { ok: boolean; id: string };
    const [row] = await stored();
    expect(body).toEqual({ ok: true, id: row!.id });
    expect(row!.data).toEqual({ name: 'Alice', email: 'alice@example.com', message: 'Hi\nthere\nfriend' });
    expect(row!.status).toBe('inbox');
    expect(await countOf(deliveries)).toBe(1);
  });

  it('should store a JSON post with arrays, numbers and booleans as sent', async () => {
    await t.createForm({ id: 'open', name: 'Open' });
    const res = await post(
      JSON.stringify({ email: 'a@b.test', tags: ['x', 'y'], n: 3, ok: true, note: null }),
      { 'content-type': 'application/json' },
      '/f/open',
    );
    expect(res.status).toBe(201);
    expect((await stored())[0]!.data).toEqual({ email: 'a@b.test', tags: ['x', 'y'], n: 3, ok: true, note: '' });
  });

  it('should store a multipart post and refuse file parts with 415', async () => {
    const body = new FormData();
    body.append('name', 'Bob');
    body.append('email', 'bob@example.com');
    expect((await post(body)).status).toBe(201);
    body.append('cv', new Blob(['%PDF'], { type: 'application/pdf' }), 'cv.pdf');
    const res = await post(body);
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ ok: false, error: 'unsupported_media_type' });
    expect(await countOf(submissions)).toBe(1);
  });

  it('should keep name[] as an array even with one value and turn repeated names into arrays', async () => {
    await t.createForm({ id: 'open', name: 'Open' });
    const body = new URLSearchParams('colour[]=red&topic=a&topic=b&single=x');
    expect((await post(body, json, '/f/open')).status).toBe(201);
    expect((await stored())[0]!.data).toEqual({ colour: ['red'], topic: ['a', 'b'], single: 'x' });
  });

  it('should treat name[] in JSON bodies as a list, as in form posts', async () => {
    await t.createForm({ id: 'open', name: 'Open' });
    const res = await post(
      JSON.stringify({ 'tags[]': 'one', 'multi[]': ['a', 'b'], plain: 'x' }),
      { 'content-type': 'application/json' },
      '/f/open',
    );
    expect(res.status).toBe(201);
    expect((await stored())[0]!.data).toEqual({ tags: ['one'], multi: ['a', 'b'], plain: 'x' });
  });

  it('should skip an optional file input left empty, as browsers send it', async () => {
    // Byte for byte what Chromium sends for an empty <input type="file" name="attachment">.
    const part = (headers: string, value: string) => `--X\r\nContent-Disposition: form-data; ${headers}\r\n\r\n${value}\r\n`;
    const body =
      part('name="name"', 'Bob') +
      part('name="email"', 'bob@example.com') +
      part('name="attachment"; filename=""\r\nContent-Type: application/octet-stream', '') +
      '--X--\r\n';
    expect((await post(body, { ...json, 'content-type': 'multipart/form-data; boundary=X' })).status).toBe(201);
    expect((await stored())[0]!.data).toEqual({ name: 'Bob', email: 'bob@example.com' });
  });

  it('should refuse nested JSON objects with 422 naming the field', async () => {
    const res = await post(JSON.stringify({ name: 'A', email: 'a@b.test', extra: { deep: 1 } }), { 'content-type': 'application/json' });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { fields: Record<string, string[]> }).fields).toHaveProperty('extra');
  });

  it('should refuse a JSON number too large to store (JSON.parse makes it Infinity, stored as null) with 422, and keep large finite ones', async () => {
    const res = await post('{"name":"A","email":"a@b.test","budget":1e999,"list":[1,-1e999]}', { 'content-type': 'application/json' });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { fields: Record<string, string[]> }).fields).toEqual({
      budget: ['A number this large cannot be stored; send it as text'],
      list: ['A number this large cannot be stored; send it as text'],
    });
    expect(await countOf(submissions)).toBe(0);
    expect((await post('{"name":"A","email":"a@b.test","budget":1e300}', { 'content-type': 'application/json' })).status).toBe(201);
    expect((await stored())[0]!.data).toMatchObject({ budget: 1e300 });
  });

  it('should answer 415 for an unsupported content type and 400 for malformed JSON', async () => {
    expect((await post('name=A', { 'content-type': 'text/plain', ...json })).status).toBe(415);
    const bad = await post('{"name":', { 'content-type': 'application/json' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ ok: false, error: 'bad_request' });
    expect(await countOf(submissions)).toBe(0);
  });
});

describe('validation', () => {
  it('should answer 422 with messages per field and store nothing', async () => {
    const res = await post(form({ name: '   ', email: 'not-an-email' }));
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: string; fields: Record<string, string[]> };
    expect(body.error).toBe('validation');
    expect(body.fields.name).toEqual(['This field is required']);
    expect(body.fields.email).toEqual(['Enter a valid email address']);
    expect(await countOf(submissions)).toBe(0);
  });

  it('should check every declared type and length', async () => {
    await t.createForm({
      id: 'typed',
      name: 'Typed',
      fields: [
        { name: 'site', type: 'url' },
        { name: 'phone', type: 'tel' },
        { name: 'age', type: 'number' },
        { name: 'day', type: 'date' },
        { name: 'plan', type: 'select', options: ['basic', 'pro'] },
        { name: 'short', type: 'text', maxLength: 5 },
      ],
    });
    const res = await post(
      form({ site: 'javascript:alert(1)', phone: 'call me', age: 'many', day: '2026-13-45', plan: 'gold', short: 'toolong' }),
      json,
      '/f/typed',
    );
    const { fields } = (await res.json()) as { fields: Record<string, string[]> };
    expect(Object.keys(fields).sort()).toEqual(['age', 'day', 'phone', 'plan', 'short', 'site']);
    const ok = await post(
      form({ site: 'https://x.test/a', phone: '+49 (30) 123-456', age: '42', day: '2026-02-03', plan: 'pro', short: 'ok' }),
      json,
      '/f/typed',
    );
    expect(ok.status).toBe(201);
    const near = await post(form({ age: '0x10', day: '2024-02-30' }), json, '/f/typed');
    expect(Object.keys(((await near.json()) as { fields: object }).fields).sort()).toEqual(['age', 'day']);
  });

  it('should reject unknown fields when the form says extraFields reject', async () => {
    await t.createForm({ id: 'strict', name: 'Strict', extraFields: 'reject', fields: [{ name: 'message', type: 'textarea' }] });
    const res = await post(form({ message: 'hi', surprise: 'x' }), json, '/f/strict');
    expect(res.status).toBe(422);
    expect(((await res.json()) as { fields: object }).fields).toEqual({ surprise: ['This form does not accept this field'] });
  });

  it('should reject address-parser payloads as reply-to quickly and by validation', async () => {
    const payloads = [
      '"a@b"@evil.test',
      'a@b.test (comment)',
      'group: a@b.test;',
      'Alice <alice@b.test>',
      'a@b.test,c@d.test',
      `${','.repeat(10_000)}a@b.test`,
      `${'a'.repeat(50_000)}@example.com`,
      'a@b.test\r\nBcc: x@evil.test',
      // An encoded word in the local part (decoded by some parsers into another address).
      '=?utf-8?Q?evil=40x.test?=@b.test',
    ];
    for (const payload of payloads) {
      const res = await post(form({ name: 'A', email: 'a@b.test', _replyto: payload }));
      expect(res.status, payload.slice(0, 40)).toBe(422);
      expect(((await res.json()) as { fields: object }).fields).toHaveProperty('_replyto');
    }
    expect(await countOf(submissions)).toBe(0);
  });

  it('should cap 50 kB strings shaped like emails and URLs before any pattern runs', async () => {
    await t.createForm({
      id: 'links',
      name: 'Links',
      fields: [
        { name: 'site', type: 'url' },
        { name: 'email', type: 'email' },
      ],
    });
    const res = await post(
      form({ site: `https://${'a.'.repeat(25_000)}test`, email: `${'a'.repeat(25_000)}@${'b'.repeat(25_000)}.test` }),
      json,
      '/f/links',
    );
    expect(res.status).toBe(422);
    const { fields } = (await res.json()) as { fields: Record<string, string[]> };
    expect(fields.site![0]).toMatch(/At most/);
    expect(fields.email![0]).toMatch(/At most/);
  });

  it('should render a 422 page for plain form posts that lists the errors and refills the input, escaped', async () => {
    const res = await post(form({ name: '<script>alert(1)</script>', email: 'nope', message: 'keep me\nplease' }), {});
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const page = await res.text();
    expect(page).toContain('Enter a valid email address');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<script>alert(1)');
    expect(page).toContain('keep me\nplease</textarea>');
    expect(page).toMatch(/<form method="post" action="[^"]*\/f\/contact"/);
  });
});

describe('magic fields', () => {
  it('should never store magic fields as data and keep _subject and _replyto for the mail', async () => {
    await post(
      form({
        name: 'A',
        email: 'a@b.test',
        _replyto: 'reply@b.test',
        _subject: 'Hello\r\nBcc: x@evil.test',
        _next: '/x',
        _gotcha: '',
        _idempotency: 'k1',
      }),
    );
    const [row] = await stored();
    expect(Object.keys(row!.data)).toEqual(['name', 'email']);
    expect(row!.meta.replyTo).toBe('reply@b.test');
    expect(row!.meta.subject).toBe('Hello Bcc: x@evil.test');
  });

  it('should use the email field as Reply-To when _replyto is absent', async () => {
    await post(form({ name: 'A', email: 'a@b.test' }));
    expect((await stored())[0]!.meta.replyTo).toBe('a@b.test');
  });

  it('should take a field named Email or EMAIL as the email field too, and check it like one', async () => {
    await t.createForm({ id: 'open', name: 'Open' });
    expect((await post(form({ Email: 'a@b.test' }), json, '/f/open')).status).toBe(201);
    expect((await stored())[0]!.meta.replyTo).toBe('a@b.test');
    const bad = await post(form({ EMAIL: 'not an address' }), json, '/f/open');
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { fields: object }).fields).toHaveProperty('EMAIL');
  });

  it('should answer a filled honeypot like success, store it as spam with its real id, and not mail it', async () => {
    const res = await post(form({ name: 'Bot', email: 'bot@spam.test', _gotcha: 'http://spam.test' }));
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const [row] = await stored();
    expect(row!.id).toBe(id);
    expect(row!.status).toBe('spam');
    expect(await countOf(deliveries)).toBe(0);
    const html = await post(form({ name: 'Bot', email: 'bot@spam.test', _gotcha: 'x' }), {});
    expect(html.status).toBe(303);
  });

  it('should take an empty or false honeypot in JSON for a person', async () => {
    for (const _gotcha of ['', false, null, []]) {
      const res = await t.app.request('/f/contact', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'A', email: 'a@b.test', _gotcha }),
      });
      expect(res.status, JSON.stringify(_gotcha)).toBe(201);
    }
    expect((await stored()).map((row) => row.status)).toEqual(['inbox', 'inbox', 'inbox', 'inbox']);
    expect(await countOf(deliveries)).toBe(4);
  });

  it('should answer a filled honeypot like success even when the rest is invalid, and keep it as spam', async () => {
    const res = await post(form({ email: 'not an address', surprise: 'x', _gotcha: 'filled' }));
    expect(res.status).toBe(201);
    const [row] = await stored();
    expect(row!.status).toBe('spam');
    expect(row!.data).toEqual({ email: 'not an address', surprise: 'x' });
    expect(await countOf(deliveries)).toBe(0);
  });
});

describe('redirects', () => {
  const site = 'https://site.test';
  beforeEach(async () => {
    await t.createForm({ id: 'guarded', name: 'Guarded', allowedOrigins: [site], redirectUrl: 'https://site.test/thanks' });
  });
  const send = (next: string | undefined, headers: Record<string, string> = { origin: site }) =>
    t.app.request('/f/guarded', { method: 'POST', headers, body: form({ email: 'a@b.test', ...(next !== undefined && { _next: next }) }) });

  it('should 303 to the thanks page when nothing else is configured', async () => {
    const res = await post(form({ name: 'A', email: 'a@b.test' }), {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/f/contact/thanks');
    const thanks = await t.app.request('/f/contact/thanks');
    expect(thanks.status).toBe(200);
    expect(await thanks.text()).toContain('Thank you');
  });

  it('should follow a relative or absolute _next on an allowed origin, over the form redirect', async () => {
    expect((await send('/merci')).headers.get('location')).toBe('https://site.test/merci');
    expect((await send('https://site.test/done?x=1')).headers.get('location')).toBe('https://site.test/done?x=1');
    expect((await send(undefined)).headers.get('location')).toBe('https://site.test/thanks');
  });

  it('should ignore _next values that leave the allowed origins', async () => {
    for (const next of [
      '//evil.test',
      'http:/evil.test',
      'javascript:alert(1)',
      '\\\\evil.test',
      '/\\evil.test',
      'https://evil.test/',
      'https://site.test.evil.test/',
      'data:text/html,hi',
    ]) {
      expect((await send(next)).headers.get('location'), next).toBe('https://site.test/thanks');
    }
  });

  it('should carry _next resolved and other control fields hidden on the 422 page, so sending again works', async () => {
    const res = await t.app.request('/f/guarded', {
      method: 'POST',
      headers: { origin: site },
      body: form({ email: 'not an address', _next: '/merci', _subject: 'Hi', _idempotency: 'k-422' }),
    });
    expect(res.status).toBe(422);
    const page = await res.text();
    expect(page).toContain('<input type="hidden" name="_next" value="https://site.test/merci"/>');
    expect(page).toContain('<input type="hidden" name="_idempotency" value="k-422"/>');
    expect(page).not.toMatch(/<textarea name="_next"/);
    // The page posts from Formharbor's own origin, as a browser would.
    const again = await t.app.request('/f/guarded', {
      method: 'POST',
      headers: { origin: 'http://harbor.test' },
      body: form({ email: 'a@b.test', _next: 'https://site.test/merci', _subject: 'Hi', _idempotency: 'k-422' }),
    });
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe('https://site.test/merci');
  });

  it("should follow _next back to the visitor's site when the 422 page of a form open to any origin sends again", async () => {
    const first = await t.app.request('/f/contact', {
      method: 'POST',
      headers: { origin: 'https://any.test' },
      body: form({ name: 'A', email: 'not an address', _next: '/done' }),
    });
    expect(first.status).toBe(422);
    expect(await first.text()).toContain('<input type="hidden" name="_next" value="https://any.test/done"/>');
    const again = await t.app.request('/f/contact', {
      method: 'POST',
      headers: { origin: 'http://harbor.test' },
      body: form({ name: 'A', email: 'a@b.test', _next: 'https://any.test/done' }),
    });
    expect(again.headers.get('location')).toBe('https://any.test/done');
    // From the visitor's own page, another site is still no destination.
    const elsewhere = await t.app.request('/f/contact', {
      method: 'POST',
      headers: { origin: 'https://any.test' },
      body: form({ name: 'A', email: 'a@b.test', _next: 'https://evil.test/' }),
    });
    expect(elsewhere.headers.get('location')).toBe('/f/contact/thanks');
  });

  it('should ignore _next from a request that names no page (no Origin, no Referer) on a form open to any origin', async () => {
    for (const next of ['https://evil.test/', '/done']) {
      const res = await t.app.request('/f/contact', { method: 'POST', body: form({ name: 'A', email: 'a@b.test', _next: next }) });
      expect(res.headers.get('location'), next).toBe('/f/contact/thanks');
    }
  });

  it('should name an allowed redirect in the JSON answer for the embed', async () => {
    const res = await send('/merci', { origin: site, accept: 'application/json' });
    expect(await res.json()).toMatchObject({ ok: true, redirect: 'https://site.test/merci' });
  });
});

describe('origins and CORS', () => {
  beforeEach(async () => {
    await t.createForm({ id: 'guarded', name: 'Guarded', allowedOrigins: ['https://site.test'] });
  });

  it('should refuse an Origin or Referer outside allowedOrigins with 403 and accept scripts that send neither', async () => {
    const body = () => form({ email: 'a@b.test' });
    const evil = await t.app.request('/f/guarded', { method: 'POST', headers: { origin: 'https://evil.test', ...json }, body: body() });
    expect(evil.status).toBe(403);
    expect(await evil.json()).toMatchObject({ ok: false, error: 'origin' });
    const referer = await t.app.request('/f/guarded', {
      method: 'POST',
      headers: { referer: 'https://evil.test/page', ...json },
      body: body(),
    });
    expect(referer.status).toBe(403);
    expect(
      (await t.app.request('/f/guarded', { method: 'POST', headers: { origin: 'https://site.test', ...json }, body: body() })).status,
    ).toBe(201);
    expect((await t.app.request('/f/guarded', { method: 'POST', headers: json, body: body() })).status).toBe(201);
    expect(await countOf(submissions)).toBe(2);
  });

  it("should accept a post from Formharbor's own 422 page for a form limited to other origins", async () => {
    const res = await t.app.request('/f/guarded', {
      method: 'POST',
      headers: { origin: 'http://harbor.test', ...json },
      body: form({ email: 'a@b.test' }),
    });
    expect(res.status).toBe(201);
  });

  it('should answer preflight with the allowed origin, POST and the three headers', async () => {
    const res = await t.app.request('/f/guarded', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://site.test',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,idempotency-key',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://site.test');
    expect(res.headers.get('access-control-allow-methods')).toBe('POST');
    expect(res.headers.get('access-control-allow-headers')).toBe('Content-Type, Accept, Idempotency-Key');
    const answer = await t.app.request('/f/guarded', {
      method: 'POST',
      headers: { origin: 'https://site.test', ...json },
      body: form({ email: 'a@b.test' }),
    });
    // The embed reads Retry-After from a 429 across origins.
    expect(answer.headers.get('access-control-expose-headers')).toBe('Retry-After');
    const other = await t.app.request('/f/guarded', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.test', 'access-control-request-method': 'POST' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const open = await t.app.request('/f/contact', {
      method: 'OPTIONS',
      headers: { origin: 'https://any.test', 'access-control-request-method': 'POST' },
    });
    expect(open.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('should answer 404 for an unknown form, as JSON or as a page, readable across origins', async () => {
    const res = await post(form({ a: 'b' }), { ...json, origin: 'https://any.test' }, '/f/nope');
    expect(res.status).toBe(404);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.json()).toMatchObject({ ok: false, error: 'not_found' });
    const page = await post(form({ a: 'b' }), {}, '/f/nope');
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
  });
});

describe('the demo form (security row 38)', () => {
  const demoPost = (origin: string) =>
    post(form({ name: 'Eve', email: 'eve@evil.test', message: 'hi', _subject: 'Reset your password' }), { ...json, origin }, '/f/demo');

  it("should refuse a post from another site and take one from Formharbor's own origin, under any name", async () => {
    await t.createForm(demoForm('forms@harbor.test', 'http://harbor.test'));
    expect((await demoPost('https://evil.test')).status).toBe(403);
    expect((await demoPost('http://harbor.test')).status).toBe(201);
    // The request's own origin: the demo page opened as http://localhost:8787 instead of PUBLIC_URL.
    expect((await demoPost('http://localhost')).status).toBe(201);
  });
});

describe('hostile bodies', () => {
  it('should answer 413 for a body over 1 MB, with or without Content-Length, and store nothing', async () => {
    const big = 'message=' + 'x'.repeat(1024 * 1024 + 10);
    const withLength = await post(big, {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(big.length),
      ...json,
    });
    expect(withLength.status).toBe(413);
    expect(await withLength.json()).toMatchObject({ ok: false, error: 'too_large' });
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 11; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(100_000)));
        controller.close();
      },
    });
    const chunked = await t.app.request('/f/contact', {
      method: 'POST',
      body: chunks,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked', ...json },
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await countOf(submissions)).toBe(0);
  });

  it('should refuse a multipart body with 10k parts with 413', async () => {
    await t.createForm({ id: 'open', name: 'Open' });
    const body = new FormData();
    for (let i = 0; i < 10_000; i++) body.append(`f${i}`, 'v');
    expect((await post(body, json, '/f/open')).status).toBe(413);
  });

  it('should keep __proto__ and constructor as plain field names without polluting prototypes', async () => {
    await t.createForm({ id: 'open', name: 'Open' });
    const res = await post(new URLSearchParams('__proto__[polluted]=yes&__proto__=x&constructor=y'), json, '/f/open');
    expect(res.status).toBe(201);
    const jsonRes = await post('{"__proto__":{"polluted":"yes"},"email":"a@b.test"}', { 'content-type': 'application/json' }, '/f/open');
    expect(jsonRes.status).toBe(422);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const [row] = await stored();
    expect(Object.getPrototypeOf(row!.data)).toBe(Object.prototype);
    expect(Object.keys(row!.data).sort()).toEqual(['__proto__', '__proto__[polluted]', 'constructor']);
  });

  it('should store nothing and log no server fault when the visitor hangs up mid-body', async () => {
    const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    const socket = connect(port, '127.0.0.1');
    socket.write(
      'POST /f/contact HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nname=Al',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    await expect.poll(() => t.infos.join('\n')).toContain('request abandoned by the visitor');
    await new Promise((resolve) => server.close(resolve));
    expect(t.errors).toEqual([]);
    expect(await countOf(submissions)).toBe(0);
  });

  it('should survive 10k-deep JSON with a 4xx and no crash', async () => {
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const res = await post(deep, { 'content-type': 'application/json' });
    expect([400, 422]).toContain(res.status);
    expect((await post('['.repeat(10_000) + ']'.repeat(10_000), { 'content-type': 'application/json' })).status).toBe(400);
  });
});

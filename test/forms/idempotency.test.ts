import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { count } from 'drizzle-orm';
import { deliveries, submissions } from '../../src/db/schema.ts';
import { form, testApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
  await t.createForm({ id: 'contact', name: 'Contact' });
});
afterEach(() => t.close());

const send = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
  t.app.request('/f/contact', { method: 'POST', headers: { accept: 'application/json', ...headers }, body: form(fields) });
const rows = async () => (await t.database.db.select({ n: count() }).from(submissions))[0]!.n;
const deliveryRows = async () => (await t.database.db.select({ n: count() }).from(deliveries))[0]!.n;

describe('Idempotency-Key', () => {
  it('should return the first answer for a repeat and store or mail nothing new', async () => {
    const first = await send({ email: 'a@b.test', message: 'hi' }, { 'idempotency-key': 'key-1' });
    const again = await send({ email: 'a@b.test', message: 'hi' }, { 'idempotency-key': 'key-1' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(await first.json());
    expect(await rows()).toBe(1);
    expect(await deliveryRows()).toBe(1);
  });

  it('should accept the key as the _idempotency field and replay an HTML post with the same redirect', async () => {
    const first = await t.app.request('/f/contact', { method: 'POST', body: form({ email: 'a@b.test', _idempotency: 'field-key' }) });
    const again = await t.app.request('/f/contact', { method: 'POST', body: form({ email: 'a@b.test', _idempotency: 'field-key' }) });
    expect(first.status).toBe(303);
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(await rows()).toBe(1);
  });

  it('should answer 409 idempotency_conflict for the same key with a different body', async () => {
    await send({ email: 'a@b.test', message: 'hi' }, { 'idempotency-key': 'key-2' });
    const other = await send({ email: 'a@b.test', message: 'something else' }, { 'idempotency-key': 'key-2' });
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ ok: false, error: 'idempotency_conflict' });
    expect(await rows()).toBe(1);
  });

  it('should keep keys per form: the same key on another form is a new submission', async () => {
    await t.createForm({ id: 'other', name: 'Other' });
    await send({ email: 'a@b.test' }, { 'idempotency-key': 'shared' });
    const res = await t.app.request('/f/other', {
      method: 'POST',
      headers: { accept: 'application/json', 'idempotency-key': 'shared' },
      body: form({ email: 'a@b.test' }),
    });
    expect(res.status).toBe(201);
    expect(await rows()).toBe(2);
  });

  it('should store one submission for 20 concurrent requests with one key and give each the same answer', async () => {
    // From 20 addresses: one address has at most 4 bodies read at once (src/forms/body-guard.ts).
    t.deps.clientIp = (c) => c.req.header('x-test-ip');
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send({ email: 'a@b.test', message: 'double click' }, { 'idempotency-key': 'race', 'x-test-ip': `198.51.100.${i}` }),
      ),
    );
    const bodies = await Promise.all(answers.map((r) => r.json()));
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(await rows()).toBe(1);
    expect(await deliveryRows()).toBe(1);
  });

  it('should replay a stored submission even after the form became stricter', async () => {
    const first = await send({ email: 'a@b.test' }, { 'idempotency-key': 'before-change' });
    await t.api('/forms/contact', { method: 'PATCH', body: JSON.stringify({ fields: [{ name: 'phone', type: 'tel', required: true }] }) });
    const again = await send({ email: 'a@b.test' }, { 'idempotency-key': 'before-change' });
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(await first.json());
    expect((await send({ email: 'a@b.test' }, { 'idempotency-key': 'after-change' })).status).toBe(422);
  });

  it('should treat the same fields in another order as the same body', async () => {
    const first = await t.app.request('/f/contact', {
      method: 'POST',
      headers: { accept: 'application/json', 'idempotency-key': 'order', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=A&email=a%40b.test',
    });
    const again = await t.app.request('/f/contact', {
      method: 'POST',
      headers: { accept: 'application/json', 'idempotency-key': 'order', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=a%40b.test&name=A',
    });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(await first.json());
  });

  it('should replay a repeat without counting it against the rate limit', async () => {
    await t.close();
    t = await testApp({ env: { RATE_LIMIT: '2/1m' } });
    await t.createForm({ id: 'contact', name: 'Contact' });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await send({ email: 'a@b.test' }, { 'idempotency-key': 'patient' }));
    expect(answers.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect((await send({ email: 'a@b.test' }, { 'idempotency-key': 'second' })).status).toBe(201);
    expect((await send({ email: 'a@b.test' }, { 'idempotency-key': 'third' })).status).toBe(429);
  });

  it('should refuse keys that are not visible ASCII with 400', async () => {
    const res = await send({ email: 'a@b.test' }, { 'idempotency-key': 'x'.repeat(300) });
    expect(res.status).toBe(400);
    expect(await rows()).toBe(0);
  });
});

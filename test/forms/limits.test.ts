import { afterEach, describe, expect, it } from 'vitest';
import { count } from 'drizzle-orm';
import { deliveries, submissions } from '../../src/db/schema.ts';
import { form, testApp, type TestApp } from '../support/app.ts';
import { probeBody, streamed } from '../support/probe-body.ts';

let t: TestApp;
afterEach(() => t.close());

const send = (app: TestApp['app']) =>
  app.request('/f/contact', { method: 'POST', headers: { accept: 'application/json' }, body: form({ email: 'a@b.test' }) });

describe('rate limit', () => {
  it('should answer 429 with Retry-After past the limit while other IPs and other windows pass', async () => {
    let ip = '198.51.100.7';
    t = await testApp({ env: { RATE_LIMIT: '3/10m' } });
    t.deps.clientIp = () => ip;
    await t.createForm({ id: 'contact', name: 'Contact' });
    for (let i = 0; i < 3; i++) expect((await send(t.app)).status).toBe(201);
    const limited = await send(t.app);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBe(600);
    expect(await limited.json()).toMatchObject({ ok: false, error: 'rate_limited' });
    ip = '198.51.100.8';
    expect((await send(t.app)).status).toBe(201);
    ip = '198.51.100.7';
    t.clock.advance(10 * 60_000);
    expect((await send(t.app)).status).toBe(201);
  });

  it('should count posts whose address is unknown (a Worker without CF-Connecting-IP) in one shared bucket', async () => {
    t = await testApp({ env: { RATE_LIMIT: '3/10m' }, clientIp: () => undefined });
    await t.createForm({ id: 'contact', name: 'Contact' });
    for (let i = 0; i < 3; i++) expect((await send(t.app)).status).toBe(201);
    const limited = await send(t.app);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  // One subscriber is given at least a /64: counting each IPv6 address alone gave them 2^64 tries.
  it('should count an IPv6 visitor by their /64 network, and an IPv4 address written as IPv6 as itself', async () => {
    let ip = '2001:db8:7:1::1';
    t = await testApp({ env: { RATE_LIMIT: '2/10m' } });
    t.deps.clientIp = () => ip;
    await t.createForm({ id: 'contact', name: 'Contact' });
    expect((await send(t.app)).status).toBe(201);
    ip = '2001:DB8:7:1:ffff:ffff:ffff:fffe';
    expect((await send(t.app)).status).toBe(201);
    ip = '2001:db8:7:1:a:b:c:d';
    expect((await send(t.app)).status).toBe(429);
    ip = '2001:db8:7:2::1';
    expect((await send(t.app)).status).toBe(201);
    ip = '198.51.100.9';
    expect((await send(t.app)).status).toBe(201);
    ip = '::ffff:198.51.100.9';
    expect((await send(t.app)).status).toBe(201);
    expect((await send(t.app)).status).toBe(429);
  });

  it('should count each form apart: a visitor limited on one form can still use another', async () => {
    t = await testApp({ env: { RATE_LIMIT: '2/10m' } });
    await t.createForm({ id: 'contact', name: 'Contact' });
    await t.createForm({ id: 'quote', name: 'Quote' });
    for (let i = 0; i < 2; i++) expect((await send(t.app)).status).toBe(201);
    expect((await send(t.app)).status).toBe(429);
    const other = await t.app.request('/f/quote', {
      method: 'POST',
      headers: { accept: 'application/json' },
      body: form({ email: 'a@b.test' }),
    });
    expect(other.status).toBe(201);
  });

  // Review finding 4a: an address over its limit had every body parsed before the count refused it.
  it('should refuse an address already over its limit with 429 before reading its body, until the window ends', async () => {
    t = await testApp({ env: { RATE_LIMIT: '2/10m' } });
    await t.createForm({ id: 'contact', name: 'Contact' });
    for (let i = 0; i < 2; i++) expect((await send(t.app)).status).toBe(201);
    expect((await send(t.app)).status).toBe(429);
    const keys = JSON.stringify(Object.fromEntries(Array.from({ length: 96_000 }, (_, i) => [`k${i}`, 1])));
    const probe = probeBody(keys);
    const res = await t.app.request('/f/contact', streamed(probe.body, { 'content-type': 'application/json' }));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBe(600);
    expect(probe.pulled).toBe(false);
    t.clock.advance(10 * 60_000);
    expect((await send(t.app)).status).toBe(201);
  });

  it('should still answer the replay of a stored submission from an address over its limit, and refuse a new key', async () => {
    t = await testApp({ env: { RATE_LIMIT: '1/10m' } });
    await t.createForm({ id: 'contact', name: 'Contact' });
    const keyed = (key: string) =>
      t.app.request('/f/contact', {
        method: 'POST',
        headers: { accept: 'application/json', 'idempotency-key': key },
        body: form({ email: 'a@b.test' }),
      });
    const first = await keyed('key-1');
    expect(first.status).toBe(201);
    expect((await keyed('key-2')).status).toBe(429);
    const replay = await keyed('key-1');
    expect(replay.status).toBe(201);
    expect(await replay.json()).toEqual(await first.json());
    expect((await keyed('key-3')).status).toBe(429);
  });

  it('should not limit at all when RATE_LIMIT is off', async () => {
    t = await testApp({ env: { RATE_LIMIT: 'off' } });
    await t.createForm({ id: 'contact', name: 'Contact' });
    for (let i = 0; i < 25; i++) expect((await send(t.app)).status).toBe(201);
  });
});

describe('database failures', () => {
  it('should answer 503, never 2xx, when the database is full, keep no partial rows, and recover', async () => {
    t = await testApp();
    await t.createForm({ id: 'contact', name: 'Contact' });
    expect((await send(t.app)).status).toBe(201);
    const pages = Number((await t.database.client.execute('PRAGMA page_count')).rows[0]![0]);
    // On the commit thread's connection, which writes every submission.
    await t.deps.commit([{ sql: `PRAGMA max_page_count = ${pages}`, params: [] }]);
    // Ten fields just under the per-field cap: far more than the pages left.
    const big = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`part${i}`, 'x'.repeat(19_000)]));
    const full = await t.app.request('/f/contact', {
      method: 'POST',
      headers: { accept: 'application/json' },
      body: form({ email: 'a@b.test', ...big }),
    });
    expect(full.status).toBe(503);
    expect(await full.json()).toMatchObject({ ok: false, error: 'unavailable' });
    const page = await t.app.request('/f/contact', { method: 'POST', body: form({ email: 'a@b.test', ...big }) });
    expect(page.status).toBe(503);
    const counts = async () => [
      (await t.database.db.select({ n: count() }).from(submissions))[0]!.n,
      (await t.database.db.select({ n: count() }).from(deliveries))[0]!.n,
    ];
    expect(await counts()).toEqual([1, 1]);
    await t.deps.commit([{ sql: 'PRAGMA max_page_count = 1073741823', params: [] }]);
    expect((await send(t.app)).status).toBe(201);
    expect(await counts()).toEqual([2, 2]);
  });

  it('should store neither the submission nor its delivery when the delivery cannot be written (one atomic commit)', async () => {
    t = await testApp();
    await t.createForm({ id: 'contact', name: 'Contact' });
    await t.database.client.execute(
      "CREATE TRIGGER refuse_delivery BEFORE INSERT ON deliveries BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END",
    );
    const res = await send(t.app);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ ok: false, error: 'unavailable' });
    expect((await t.database.db.select({ n: count() }).from(submissions))[0]!.n).toBe(0);
    await t.database.client.execute('DROP TRIGGER refuse_delivery');
    expect((await send(t.app)).status).toBe(201);
  });

  it('should answer 503, not 500, when the rate-limit counter cannot be written', async () => {
    t = await testApp({ env: { RATE_LIMIT: '20/10m' } });
    await t.createForm({ id: 'contact', name: 'Contact' });
    expect((await send(t.app)).status).toBe(201);
    // The form stays cached for a second; the counter's write is the first to fail.
    await t.deps.commit([{ sql: 'PRAGMA query_only = 1', params: [] }]);
    const res = await send(t.app);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ ok: false, error: 'unavailable' });
  });

  it('should report the outbox backlog on /healthz and 503 when the database is gone', async () => {
    t = await testApp();
    await t.createForm({ id: 'contact', name: 'Contact' });
    await send(t.app);
    const health = await t.app.request('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, db: 'ok', outbox: { pending: 0, held: 1, failed: 0 } });
    t.database.client.close();
    const down = await t.app.request('/healthz');
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ ok: false, db: 'error' });
  });

  // On Workers the owner applies migrations by hand: one forgotten used to leave /healthz green
  // while every submission was refused for a missing column.
  it('should answer 503 on /healthz when a migration is missing from the database', async () => {
    t = await testApp();
    expect((await t.app.request('/healthz')).status).toBe(200);
    await t.database.client.execute('ALTER TABLE deliveries DROP COLUMN delivered_to');
    const res = await t.app.request('/healthz');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ok: false, db: 'error' });
    expect(t.errors.join('\n')).toMatch(
      /health check failed \(a missing table or column means a migration was not applied\).*delivered_to/,
    );
  });
});

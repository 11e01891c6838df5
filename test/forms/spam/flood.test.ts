import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSpamSettings } from '../../../src/db/schema.ts';
import { getSubmission } from '../../../src/db/submissions.ts';
import { testApp, type TestApp } from '../../support/app.ts';

let t: TestApp;
let ip = '198.51.100.1';
beforeEach(async () => {
  // One app whose client address the test switches, with the production-like per-address limit.
  t = await testApp({ env: { RATE_LIMIT: '20/10m' } });
  t.deps.clientIp = () => ip;
});
afterEach(() => t.close());

const post = (n: number) =>
  t.app.request('/f/contact', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `v${n}@site.test`, message: `flood ${n}` }),
  });

/** Posts `total` submissions, `concurrency` at a time; every status and every 201's id. */
async function flood(total: number, concurrency: number) {
  const statuses: number[] = [];
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const res = await post(next++);
        statuses.push(res.status);
        if (res.status === 201) ids.push(((await res.json()) as { id: string }).id);
        else await res.body?.cancel();
      }
    }),
  );
  const count = (status: number) => statuses.filter((s) => s === status).length;
  return { statuses, ids, count };
}

describe('flood', () => {
  it('should hold the per-address limit through 1,000 posts at concurrency 20, store every 201, and still take another address', async () => {
    await t.createForm({ id: 'contact' });
    const { statuses, ids, count } = await flood(1_000, 20);
    expect(count(201)).toBe(20);
    expect(count(429)).toBe(980);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    for (const id of ids) expect(await getSubmission(t.deps.db, id)).toBeDefined();
    ip = '203.0.113.9';
    expect((await post(1_000)).status).toBe(201);
  });

  it('should hold the form-wide limit across addresses', async () => {
    await t.createForm({ id: 'contact', spam: { ...defaultSpamSettings(), formLimit: '50/1h' } });
    const results: number[] = [];
    for (let a = 0; a < 4; a++) {
      ip = `192.0.2.${a + 1}`;
      // Four at a time: the body guard refuses more concurrent bodies from one address (harden-bodies).
      const { count, ids } = await flood(20, 4);
      for (const id of ids) expect(await getSubmission(t.deps.db, id)).toBeDefined();
      results.push(count(201), count(429), count(500));
    }
    // 80 posts from four addresses (each under its own limit of 20): only 50 are taken in the hour.
    expect(results.filter((_, i) => i % 3 === 0).reduce((a, b) => a + b)).toBe(50);
    expect(results.filter((_, i) => i % 3 === 1).reduce((a, b) => a + b)).toBe(30);
    expect(results.filter((_, i) => i % 3 === 2).reduce((a, b) => a + b)).toBe(0);
    t.clock.advance(3_600_000);
    ip = '192.0.2.99';
    expect((await post(0)).status).toBe(201);
  });
});

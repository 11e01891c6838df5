import { afterEach, describe, expect, it } from 'vitest';
import { BODY_READS } from '../../src/forms/body-guard.ts';
import { testApp, type TestApp } from '../support/app.ts';
import { probeBody, streamed } from '../support/probe-body.ts';

let t: TestApp;
afterEach(() => t.close());

const FIELDS = 'email=a%40b.test&message=hi';

/** A post from `ip` whose body is sent but not finished until its probe is released. */
function slowPost(ip: string) {
  const probe = probeBody(FIELDS, { hold: true });
  const headers = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', 'x-test-ip': ip };
  return { probe, answer: t.app.request('/f/contact', streamed(probe.body, headers)) };
}

describe('bodies read at once (review finding 2)', () => {
  it('should refuse one body too many from an address with 429 and one too many in total with 503, unread, then free the slots', async () => {
    t = await testApp();
    t.deps.clientIp = (c) => c.req.header('x-test-ip');
    await t.createForm({ id: 'contact', name: 'Contact' });

    const held = Array.from({ length: BODY_READS.perAddress }, () => slowPost('198.51.100.1'));
    await expect.poll(() => held.every(({ probe }) => probe.pulled)).toBe(true);
    const sameAddress = slowPost('198.51.100.1');
    const refused = await sameAddress.answer;
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ ok: false, error: 'rate_limited' });
    // An IPv6 visitor is their /64, as for the rate limit.
    const sixes = Array.from({ length: BODY_READS.perAddress }, (_, i) => slowPost(`2001:db8:1:2::${i + 1}`));
    await expect.poll(() => sixes.every(({ probe }) => probe.pulled)).toBe(true);
    expect((await slowPost('2001:db8:1:2:ffff::9').answer).status).toBe(429);

    const others = Array.from({ length: BODY_READS.total - 2 * BODY_READS.perAddress }, (_, i) => slowPost(`203.0.113.${i + 1}`));
    const reading = [...held, ...sixes, ...others];
    await expect.poll(() => reading.every(({ probe }) => probe.pulled)).toBe(true);
    const overall = slowPost('192.0.2.200');
    const unavailable = await overall.answer;
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('5');
    expect([sameAddress.probe.pulled, overall.probe.pulled]).toEqual([false, false]);

    for (const { probe } of reading) probe.release();
    expect((await Promise.all(reading.map(({ answer }) => answer))).map((res) => res.status)).toEqual(reading.map(() => 201));
    const again = slowPost('198.51.100.1');
    again.probe.release();
    expect((await again.answer).status).toBe(201);
  }, 10_000);
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSpamSettings } from '../../../src/db/schema.ts';
import { testApp, type TestApp } from '../../support/app.ts';

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(() => t.close());

/** mulberry32: a small seeded PRNG, so a failure is replayed by its seed. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 12;
const TOTAL = 3_000;
const HOSTILE_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  '_gotcha',
  '_ticket',
  '_replyto',
  '_next',
  'email',
  'cf-turnstile-response',
  'a[]',
  '',
];
const HOSTILE_TEXT = [
  '%ZZ',
  '%E0%A4%A',
  '\uD800',
  '\u0000',
  'https://x.com',
  'casino',
  '代开发票',
  'bot@spam.example',
  '1e400',
  '-0',
  '<script>',
  '\r\n.\r\n',
];

/** Percent-encoding of text that may hold a lone surrogate, which encodeURIComponent refuses. */
const encode = (text: string) => encodeURIComponent(text.replace(/[\uD800-\uDFFF]/g, '\uFFFD'));

function body(random: () => number): { type: string; text: string | Uint8Array<ArrayBuffer> } {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const text = () =>
    random() < 0.5
      ? pick(HOSTILE_TEXT)
      : Array.from({ length: Math.floor(random() * 40) }, () => String.fromCharCode(Math.floor(random() * 0x3000))).join('');
  const name = () => (random() < 0.4 ? pick(HOSTILE_NAMES) : `f${Math.floor(random() * 500)}`);
  const fieldCount = random() < 0.05 ? 1_000 + Math.floor(random() * 3_000) : Math.floor(random() * 12);
  switch (Math.floor(random() * 5)) {
    case 0: {
      const pairs = Array.from({ length: fieldCount }, () => `${encode(name())}=${random() < 0.2 ? pick(HOSTILE_TEXT) : encode(text())}`);
      return { type: 'application/x-www-form-urlencoded', text: pairs.join('&') };
    }
    case 1: {
      // Deep nesting written as text: the server, not this generator, must survive it.
      const depth = Math.floor(random() * (random() < 0.1 ? 5_000 : 5));
      const nested = random() < 0.5 ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const value = () =>
        random() < 0.3
          ? nested
          : random() < 0.5
            ? pick(['1e999', '-1e999', '123456789012345678901234567890', '0.1e-400'])
            : JSON.stringify(text());
      const json = `{${Array.from({ length: fieldCount }, () => `${JSON.stringify(name())}:${value()}`).join(',')}}`;
      return { type: 'application/json', text: random() < 0.1 ? json.slice(0, Math.floor(json.length * random())) : json };
    }
    case 2: {
      const boundary = 'fuzzb';
      const parts = Array.from(
        { length: Math.min(fieldCount, 300) },
        () => `--${boundary}\r\nContent-Disposition: form-data; name="${name()}"\r\n\r\n${text()}\r\n`,
      );
      const tail = random() < 0.2 ? '' : `--${boundary}--\r\n`;
      return { type: `multipart/form-data; boundary=${boundary}`, text: parts.join('') + tail };
    }
    case 3:
      // Bytes that are not UTF-8 at all.
      return {
        type: pick(['application/json', 'application/x-www-form-urlencoded']),
        text: Uint8Array.from({ length: 64 }, () => Math.floor(random() * 256)),
      };
    default:
      return { type: pick(['text/plain', 'application/xml', '', 'multipart/form-data']), text: text() };
  }
}

describe('fuzz', () => {
  it(`should answer ${TOTAL} random and hostile bodies without a 5xx, stay healthy, and leave nothing half-written (seed ${SEED})`, async () => {
    await t.createForm({
      id: 'contact',
      spam: {
        ...defaultSpamSettings(),
        minSeconds: 2,
        maxLinks: 2,
        blockedWords: ['casino', '代开发票'],
        blockedEmailDomains: ['spam.example'],
        blockedIps: ['10.0.0.0/8'],
      },
    });
    const random = prng(SEED);
    const statuses = new Map<number, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < TOTAL) {
          const n = next++;
          const { type, text } = body(random);
          const res = await t.app.request('/f/contact', {
            method: 'POST',
            headers: { ...(type && { 'content-type': type }), accept: 'application/json' },
            body: text,
          });
          await res.text();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 500) throw new Error(`body ${n} (seed ${SEED}) answered ${res.status}`);
        }
      }),
    );
    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    expect(statuses.get(201)).toBeGreaterThan(100);
    expect((await t.app.request('/healthz')).status).toBe(200);
    // Every inbox submission has its one delivery; spam has none; no delivery without its submission.
    const { rows } = await t.database.client.execute(`SELECT
      (SELECT count(*) FROM submissions s WHERE s.status = 'inbox' AND (SELECT count(*) FROM deliveries d WHERE d.submission_id = s.id) != 1) AS inbox_without_one,
      (SELECT count(*) FROM submissions s WHERE s.status = 'spam' AND EXISTS (SELECT 1 FROM deliveries d WHERE d.submission_id = s.id)) AS spam_with_one,
      (SELECT count(*) FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM submissions s WHERE s.id = d.submission_id)) AS orphans,
      (SELECT count(*) FROM submissions) AS stored`);
    expect(rows[0]).toMatchObject({ inbox_without_one: 0, spam_with_one: 0, orphans: 0 });
    expect(Number(rows[0]!.stored)).toBe(statuses.get(201));
  }, 120_000);
});

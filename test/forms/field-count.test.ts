import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
  await t.createForm({ id: 'open', name: 'Open' });
});
afterEach(() => t.close());

const post = (body: BodyInit, contentType?: string) =>
  t.app.request('/f/open', {
    method: 'POST',
    body,
    headers: { accept: 'application/json', ...(contentType && { 'content-type': contentType }) },
  });
const JSON_TYPE = 'application/json';
const URLENCODED = 'application/x-www-form-urlencoded';
const manyKeys = (count: number) => JSON.stringify(Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 1])));
const parts = (count: number, boundary: string) =>
  Array.from({ length: count }, (_, i) => `--${boundary}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nv\r\n`).join('');

async function expectTooLarge(res: Response) {
  expect(res.status).toBe(413);
  expect(await res.json()).toMatchObject({ ok: false, error: 'too_large' });
}

describe('field caps before parsing (review finding 4b)', () => {
  it('should refuse 96k-key JSON, 10k-field urlencoded and 10k-part multipart bodies with 413 and stay healthy', async () => {
    const body = manyKeys(96_000);
    expect(body.length).toBeGreaterThan(1_000_000);
    await expectTooLarge(await post(body, JSON_TYPE));
    await expectTooLarge(await post(new URLSearchParams(Array.from({ length: 10_000 }, (_, i) => [`f${i}`, 'v'])).toString(), URLENCODED));
    await expectTooLarge(await post(`${parts(10_000, 'B')}--B--\r\n`, 'multipart/form-data; boundary=B'));
    expect((await t.app.request('/healthz')).status).toBe(200);
    expect((await post(JSON.stringify({ email: 'a@b.test' }), JSON_TYPE)).status).toBe(201);
  });

  // What follows the cap is never looked at: were the body parsed first, the garbage would make it a 400.
  it('should stop reading JSON members at the cap, before JSON.parse', async () => {
    const body = manyKeys(400).slice(0, -1) + ', this is no JSON at all';
    await expectTooLarge(await post(body, JSON_TYPE));
    expect((await post(manyKeys(300), JSON_TYPE)).status).toBe(201);
  });

  it('should count multipart parts before parsing them', async () => {
    // 1,300 parts and no closing delimiter: malformed, but refused for its count first.
    await expectTooLarge(await post(parts(1_300, 'B'), 'multipart/form-data; boundary="B"'));
    expect((await post(`${parts(300, 'B')}--B--\r\n`, 'multipart/form-data; boundary=B')).status).toBe(201);
  });

  it('should refuse a JSON list of more than 200 values with 413 before parsing it, and keep 200', async () => {
    const list = (count: number) => `{"email":"a@b.test","picks":[${Array.from({ length: count }, () => '1').join(',')}]}`;
    await expectTooLarge(await post(list(500_000), JSON_TYPE));
    await expectTooLarge(await post(`{"a":[${Array.from({ length: 300 }, () => '[1,1]').join(',')}`, JSON_TYPE));
    expect((await post(list(200), JSON_TYPE)).status).toBe(201);
  });

  it('should not count commas, brackets or escaped quotes inside strings', async () => {
    const text = 'a, "b", [c], {d}, \\"e\\", '.repeat(100);
    const res = await post(JSON.stringify({ email: 'a@b.test', note: text, tags: ['x,y', 'z]'] }), JSON_TYPE);
    expect(res.status).toBe(201);
  });
});

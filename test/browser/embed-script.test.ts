import { readFileSync } from 'node:fs';
import { Script } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.ts';

const source = readFileSync(new URL('../../public/embed.js', import.meta.url), 'utf8');

describe('public/embed.js as a file', () => {
  // 6 KB until the spam issue; the _ticket and the captcha widget (provider script, explicit
  // render, reset, inline error) took about 1.1 KB more.
  // reCAPTCHA v3 (a token asked for at each send) took it past 7.25 KB.
  it('should be at most 7.5 KB gzipped', () => {
    expect(gzipSync(source, { level: 9 }).length).toBeLessThanOrEqual(7.5 * 1024);
  });

  it('should be one classic script (no modules, no build step) defining a single guarded global', () => {
    expect(() => new Script(source)).not.toThrow();
    expect(source).not.toMatch(/^\s*(import|export)\s/m);
    expect(source.trim()).toMatch(/^\/\*![^]*?\*\/\s*\(\(\) => \{[^]*\}\)\(\);$/);
    expect(source).toContain('if (w.Formharbor) return;');
    expect(source.match(/\bw\.Formharbor\s*=/g)).toHaveLength(1);
  });
});

describe('GET /embed.js', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(() => t.close());

  it('should serve the file as JavaScript with an ETag, 304 on revalidation, and CORS for any site', async () => {
    const res = await t.app.request('/embed.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.text()).toBe(source);
    const etag = res.headers.get('etag')!;
    expect(etag).toBeTruthy();
    const again = await t.app.request('/embed.js', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });
});

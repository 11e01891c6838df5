import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.ts';
import { misconfigured, missingSecretRefusal } from '../../src/http/refusals.ts';
import { PAGE_CSP } from '../../src/pages.ts';

const request = (path: string) => new Request(`https://harbor.test${path}`);
const none = { adminToken: false, adminPassword: false };

// test/worker.test.ts runs these through wrangler with ADMIN_TOKEN set; here each secret is missing in turn.
describe("the Worker's refusals", () => {
  it('should refuse /api with the contract 401 while ADMIN_TOKEN is unset, an encoded path included', async () => {
    for (const path of ['/api', '/api/forms', '/%61pi/forms']) {
      const res = (await missingSecretRefusal(request(path), { ...none, adminToken: true }))!;
      expect(res.status, path).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="formharbor"');
      expect(await res.json()).toEqual({ ok: false, error: 'unauthorized', message: expect.stringMatching(/^ADMIN_TOKEN is not set/) });
    }
    expect(await missingSecretRefusal(request('/admin'), { ...none, adminToken: true })).toBeUndefined();
  });

  it('should close /admin with a page while ADMIN_PASSWORD is unset, and leave the rest to the app', async () => {
    const res = (await missingSecretRefusal(request('/admin/forms/x'), { ...none, adminPassword: true }))!;
    expect(res.status).toBe(401);
    expect(res.headers.get('content-security-policy')).toBe(PAGE_CSP);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toContain('ADMIN_PASSWORD is not set on this Worker');
    for (const path of ['/f/contact', '/administrator', '/api/forms']) {
      expect(await missingSecretRefusal(request(path), { ...none, adminPassword: true }), path).toBeUndefined();
    }
  });

  it('should name a bad variable in the log only, answering 500', async () => {
    const lines: string[] = [];
    const res = misconfigured(
      new ConfigError('Invalid RATE_LIMIT=x: expected N/window'),
      { info: () => {}, error: (m) => lines.push(m) },
      request('/f/contact'),
    );
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ ok: false, error: 'internal', message: 'The Worker is misconfigured; its logs name the variable' });
    expect(lines).toEqual(['formharbor: Invalid RATE_LIMIT=x: expected N/window']);
  });

  it('should tell /healthz what is wrong, 503 with the reason, for monitoring (security row 39)', async () => {
    const error = new ConfigError('PUBLIC_URL is not set: on Workers it is required');
    const res = misconfigured(error, { info: () => {}, error: () => {} }, request('/healthz'));
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ok: false, error: 'misconfigured', reason: 'PUBLIC_URL is not set: on Workers it is required' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, form, testApp } from '../support/app.ts';
import { adminBrowser, csrfTokenOf, loginForm, ORIGIN, submitTo } from '../support/admin.ts';

// One app for the whole sweep: each refusal is checked to have changed nothing, so none can spoil the next.
const t = await testApp();

/**
 * The routes as Hono registered them, so one added later is checked without anyone listing it.
 * `use()` registers middleware as ALL on a wildcard path; any other ALL route answers reads and writes alike.
 */
const routes = [
  ...new Set(
    t.app.routes
      .filter(({ method, path }) => !(method === 'ALL' && path.endsWith('*')))
      .flatMap(({ method, path }) => (method === 'ALL' ? ['GET', 'POST'] : [method]).map((m) => `${m} ${path}`)),
  ),
].map((route) => route.split(' ') as [method: string, path: string]);
const apiRoutes = routes.filter(([, path]) => path.startsWith('/api/'));
const adminRoutes = routes.filter(([, path]) => /^\/admin(\/|$)/.test(path) && path !== '/admin/login');
const adminReads = adminRoutes.filter(([method]) => method === 'GET');
const adminWrites = adminRoutes.filter(([method]) => method !== 'GET');
// The language switch works before signing in (the sign-in page has it); only the origin check guards it.
const sessionWrites = adminWrites.filter(([, path]) => path !== '/admin/language');

// What the pages would show: none of it may reach someone without a session.
const FORM_NAME = 'Private form of the owner';
const RECIPIENT = 'owner-secret@site.test';
const MESSAGE = 'a private message from a visitor';

let idsOf: Record<string, string>;
let cookie: string;
let token: string;
const { session, page } = adminBrowser(() => t);

beforeAll(async () => {
  await t.createForm({ id: 'contact', name: FORM_NAME, recipients: [RECIPIENT] });
  const submission = await submitTo(t, 'contact', { message: MESSAGE });
  const [delivery] = ((await (await t.api(`/submissions/${submission}`)).json()) as { deliveries: { id: string }[] }).deliveries;
  idsOf = { forms: 'contact', submissions: submission, deliveries: delivery!.id };
  cookie = await session();
  token = csrfTokenOf((await page('/admin', cookie)).html);
});
afterAll(() => t.close());

/** `/api/forms/:id/submissions` with the id of a row that exists, named by the segment before it. */
const concrete = (path: string) =>
  path
    .replace(/\*$/, 'anything')
    .replace(/\/([^/]+)\/:\w+(\{[^}]*\})?\??/g, (_, collection: string) => `/${collection}/${idsOf[collection] ?? 'made-up-id'}`);

/** Each request from its own address: the refusals must not trip a limiter on wrong tokens. */
let addresses = 0;
const fromNewAddress = () => {
  const n = ++addresses;
  t.deps.clientIp = () => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
};

/** Every stored row but the limiter's bookkeeping, to see that a refusal changed nothing. */
async function storedRows() {
  const { rows: tables } = await t.database.client.execute(
    "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not in ('rate_limits', '__drizzle_migrations')",
  );
  const dump: Record<string, string[]> = {};
  for (const { name } of tables) {
    const { rows } = await t.database.client.execute(`select * from "${String(name)}"`);
    dump[String(name)] = rows.map((row) => JSON.stringify(row)).sort();
  }
  return dump;
}

// What a write would need if nothing stopped it: a valid CSRF token and fields most actions accept.
const writeFields = () => ({ _csrf: token, status: 'spam', confirm: 'yes', name: 'Changed', recipients: 'changed@site.test' });
const jsonWrite = JSON.stringify({ name: 'Changed', recipients: ['changed@site.test'], status: 'spam', to: 'changed@site.test' });

describe('every admin route asks for the admin credentials', () => {
  it('should find the /api and /admin routes in the app itself', () => {
    expect(apiRoutes.length).toBeGreaterThan(10);
    expect(adminReads.length).toBeGreaterThan(5);
    expect(adminWrites.length).toBeGreaterThan(5);
    expect(adminRoutes.length).toBeGreaterThan(10);
    expect(routes).toContainEqual(['POST', '/api/forms']);
    expect(routes).toContainEqual(['POST', '/admin/submissions/:id/status']);
  });

  it.each(apiRoutes)('should answer %s %s with the 401 envelope without a token or with a wrong one', async (method, path) => {
    const before = await storedRows();
    for (const authorization of [undefined, `Bearer ${ADMIN_TOKEN.slice(0, -1)}x`]) {
      fromNewAddress();
      const res = await t.app.request(concrete(path), {
        method,
        headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
        ...(method !== 'GET' && { body: jsonWrite }),
      });
      expect(res.status, authorization ?? 'no Authorization').toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(await res.json()).toMatchObject({ ok: false, error: 'unauthorized' });
    }
    expect(await storedRows()).toEqual(before);
  });

  it.each(adminReads)('should show the login form, and nothing of the page, to %s %s without a session', async (_, path) => {
    const { res, html } = await page(concrete(path));
    expect([200, 401]).toContain(res.status);
    expect(html).toMatch(loginForm);
    for (const secret of [FORM_NAME, RECIPIENT, MESSAGE, 'name="_csrf"']) expect(html).not.toContain(secret);
  });

  it.each(sessionWrites)('should refuse %s %s without a session and change nothing', async (method, path) => {
    const before = await storedRows();
    const res = await t.app.request(concrete(path), { method, headers: { origin: ORIGIN }, body: form(writeFields()) });
    expect([401, 403]).toContain(res.status);
    expect(await storedRows()).toEqual(before);
  });

  it.each(adminWrites)('should refuse a cross-site %s %s with a session and the token, and change nothing', async (method, path) => {
    const before = await storedRows();
    const res = await t.app.request(concrete(path), {
      method,
      headers: { origin: 'https://evil.test', 'sec-fetch-site': 'cross-site', cookie },
      body: form(writeFields()),
    });
    expect(res.status).toBe(403);
    expect(await storedRows()).toEqual(before);
  });
});

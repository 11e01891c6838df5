import { expect } from 'vitest';
import { ADMIN_PASSWORD, form, type TestApp } from './app.ts';

// app.request builds URLs on http://localhost; a browser posting from the admin sends this Origin.
export const ORIGIN = 'http://localhost';

export const loginForm = /<form method="post" action="\/admin\/login">[\s\S]*<input[^>]*name="password" type="password"/;

export const csrfTokenOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

/** A visitor's JSON post to a form; the clock moves one second first so ids sort by arrival. */
export async function submitTo(t: TestApp, formId: string, fields: Record<string, unknown>): Promise<string> {
  t.clock.advance(1000);
  const res = await t.app.request(`/f/${formId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fields),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/**
 * What a browser does in the admin, on the app a test is using now. A getter, not the app: tests
 * may swap it for one built with other options.
 */
export function adminBrowser(app: () => TestApp) {
  const login = (password = ADMIN_PASSWORD, origin = ORIGIN) =>
    app().app.request('/admin/login', { method: 'POST', headers: { origin }, body: form({ password }) });

  /** Signs in and returns the cookie header a browser would send back. */
  async function session(): Promise<string> {
    const res = await login();
    expect(res.status).toBe(303);
    return res.headers.get('set-cookie')!.split(';')[0]!;
  }

  const page = async (path: string, cookie?: string) => {
    const res = await app().app.request(path, { headers: cookie ? { cookie } : {} });
    return { res, html: await res.text() };
  };

  const post = (
    path: string,
    fields: Record<string, string | string[]>,
    { cookie, origin = ORIGIN }: { cookie?: string; origin?: string } = {},
  ) => app().app.request(path, { method: 'POST', headers: { origin, ...(cookie && { cookie }) }, body: form(fields) });

  const submit = (fields: Record<string, unknown>, formId = 'contact') => submitTo(app(), formId, fields);

  const statusOf = async (id: string) => ((await (await app().api(`/submissions/${id}`)).json()) as { status: string }).status;

  return { login, session, page, post, submit, statusOf };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an answer the test reads at any depth; each assertion checks the shape it expects
export type Json = Record<string, any>;

/** A script on /api with the admin token, on the app a test is using now. */
export function apiClient(app: () => TestApp) {
  const send = async (path: string, method: string, body?: unknown) => {
    const res = await app().api(path, { method, ...(body !== undefined && { body: JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const get = (path: string) => send(path, 'GET');
  const submit = (formId: string, fields: Record<string, unknown>) => submitTo(app(), formId, fields);
  return { send, get, submit };
}

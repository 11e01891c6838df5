import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { demoForm } from '../../src/demo.ts';
import { ADMIN_PASSWORD } from './app.ts';
import type { Harbor } from './browser.ts';

// Every page Formharbor shows, reached in a real browser the way people reach them, for the
// accessibility, layout and screenshot tests.

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** A contact form with a few messages (one of them spam) and the demo form, all mail held (no SMTP). */
export async function seedTour(harbor: Harbor) {
  const { t } = harbor;
  await t.createForm({ id: 'contact', name: 'Contact us', recipients: ['owner@site.test'] });
  await t.createForm(demoForm('owner@site.test', harbor.origin));
  const post = async (fields: Record<string, string>) => {
    t.clock.advance(60_000);
    const res = await t.app.request('/f/contact', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fields),
    });
    return ((await res.json()) as { id: string }).id;
  };
  const first = await post({
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    message: 'Do you ship to Taichung? I would like two tables.',
  });
  await post({ name: '陳小姐', email: 'chen@example.tw', message: '請問週末有營業嗎？想預約參觀。' });
  await post({ name: 'Jürgen Müller', email: 'juergen@example.de', message: 'Guten Tag, ist der Tisch auch in Eiche lieferbar?' });
  await post({ name: 'Bot', email: 'bot@spam.test', message: 'cheap pills', _gotcha: 'x' });
  return { first };
}

export async function signIn(page: Page, origin: string) {
  await page.goto(`${origin}/admin`);
  await page.fill('#password', ADMIN_PASSWORD);
  await page.click('form[action="/admin/login"] button[type="submit"]');
  await page.waitForURL(`${origin}/admin`);
}

/** Posts a plain HTML form from the current page, as a browser without JavaScript would. */
export async function postForm(page: Page, action: string, fields: Record<string, string>) {
  await Promise.all([
    page.waitForLoadState('load'),
    page.waitForURL(action),
    page.evaluate(
      ({ action, fields }) => {
        const form = Object.assign(document.createElement('form'), { method: 'post', action });
        for (const [name, value] of Object.entries(fields))
          form.append(Object.assign(document.createElement('input'), { type: 'hidden', name, value }));
        document.body.append(form);
        form.submit();
      },
      { action, fields },
    ),
  ]);
}

export type Stop = { name: string; visit: (page: Page) => Promise<unknown> };

/** Every page, in an order that leaves the data each later page needs (erasing comes last). */
export function tourStops(origin: string, first: string): Stop[] {
  const go = (path: string) => (page: Page) => page.goto(origin + path);
  return [
    { name: 'demo', visit: go('/') },
    { name: 'thanks', visit: go('/f/demo/thanks') },
    {
      name: '422',
      visit: (page) =>
        page
          .goto(`${origin}/f/demo/thanks`)
          .then(() => postForm(page, `${origin}/f/demo`, { name: 'Ada', email: 'not an address', message: '' })),
    },
    { name: 'visitor 404', visit: go('/f/nope/thanks') },
    { name: 'forms', visit: go('/admin') },
    { name: 'form', visit: go('/admin/forms/contact') },
    { name: 'spam folder', visit: go('/admin/forms/contact?status=spam') },
    { name: 'submission', visit: go(`/admin/submissions/${first}`) },
    { name: 'deliveries', visit: go('/admin/deliveries') },
    { name: 'new form', visit: go('/admin/new-form') },
    {
      name: 'form editor with errors',
      visit: (page) =>
        page
          .goto(`${origin}/admin/forms/contact/edit`)
          .then(() => page.fill('#recipients', 'not an address'))
          .then(() => page.click('form[action$="/edit"] button[type="submit"]')),
    },
    { name: 'mail', visit: go('/admin/mail') },
    { name: 'settings', visit: go('/admin/settings') },
    { name: 'erase', visit: go('/admin/erase') },
    { name: 'erase confirm', visit: go('/admin/erase?email=bot%40spam.test') },
    ...(['https://crm.example.com/hooks/formharbor', 'https://10.0.0.1/hook'] as const).map((url, i) => ({
      name: i === 0 ? 'webhook added, its secret shown' : 'webhook refused',
      visit: (page: Page) =>
        page
          .goto(`${origin}/admin/forms/contact/webhooks`)
          .then(() => page.fill('#url', url))
          .then(() => page.click('form[action$="/webhooks"] button[type="submit"]')),
    })),
    { name: 'webhooks', visit: go('/admin/forms/contact/webhooks') },
    { name: 'admin 404', visit: go('/admin/submissions/nope') },
  ];
}

type AxeResult = { violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] };

/** axe-core's WCAG 2.1 A/AA and best-practice rules on the page as it is now; each violation as one line. */
export async function axeViolations(page: Page): Promise<string[]> {
  // evaluate runs through the DevTools protocol: the page's CSP, which forbids injected scripts, does not apply.
  await page.evaluate(axeSource);
  const result = (await page.evaluate(() =>
    (window as unknown as { axe: { run: (context: Document, options: object) => Promise<unknown> } }).axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      resultTypes: ['violations'],
    }),
  )) as AxeResult;
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/**
 * Tabs through the page and answers the visible controls the keyboard never reached, and the
 * first stop (the skip link, on every page).
 */
export async function unreachable(page: Page): Promise<{ first: string; missed: string[] }> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  let first = '';
  for (let i = 0; i < 200; i++) {
    await page.keyboard.press('Tab');
    const text = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return '';
      // Back at a control already seen: the keyboard has gone round the page.
      if (el.dataset.tabbed) return null;
      el.dataset.tabbed = '1';
      return el.textContent?.trim() || el.tagName;
    });
    if (text === null) break;
    if (i === 0) first = text;
  }
  const missed = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('a[href], button, input:not([type="hidden"]), select, textarea, summary')]
      // A honeypot (tabindex -1) is kept from the keyboard on purpose.
      .filter((el) => el.offsetParent !== null && !el.dataset.tabbed && !el.classList.contains('skip') && el.tabIndex >= 0)
      .map((el) => el.outerHTML.slice(0, 80)),
  );
  return { first, missed };
}

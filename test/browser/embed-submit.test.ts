import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  contactPage,
  DEFAULT_FIELDS,
  enhanced,
  formState,
  launchChromium,
  recordPosts,
  savedMessages,
  startHarbor,
  startSite,
  stored,
  storedCount,
  type Harbor,
  type Site,
} from '../support/browser.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

// README's screenshots are rewritten only when asked (`UPDATE_SCREENSHOTS=1 npm test`): a plain
// test run takes them elsewhere and leaves the tree as it was (a caret blinks in one).
const DOCS = process.env.UPDATE_SCREENSHOTS
  ? new URL('../../docs/', import.meta.url)
  : pathToFileURL(`${mkdtempSync(join(tmpdir(), 'formharbor-shots-'))}/`);
const CONTACT_FIELDS = [
  { name: 'name', type: 'text' as const, required: true },
  { name: 'email', type: 'email' as const, required: true },
  { name: 'message', type: 'textarea' as const, required: true },
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let browser: Browser;
let sink: SmtpSink;
let harbor: Harbor;
let site: Site;
let context: BrowserContext;

beforeAll(async () => {
  [browser, sink, site] = await Promise.all([launchChromium(), startSmtpSink(), startSite()]);
  harbor = await startHarbor({ smtpUrl: sink.url });
});
afterAll(async () => {
  await browser?.close();
  await harbor?.close();
  await site?.close();
  await sink?.close();
});
afterEach(async () => {
  await context?.close();
});

/** A fresh visitor (own localStorage) on a contact page for a new form of the given id. */
async function visit(
  formId: string,
  page: Partial<Parameters<typeof contactPage>[0]> = {},
  form: Parameters<Harbor['t']['createForm']>[0] = {},
): Promise<Page> {
  await harbor.t.createForm({ id: formId, name: `Form ${formId}`, fields: CONTACT_FIELDS, ...form });
  context = await browser.newContext({ viewport: { width: 720, height: 620 } });
  context.setDefaultTimeout(8000);
  const tab = await context.newPage();
  await tab.goto(site.put(`/${formId}.html`, contactPage({ api: harbor.origin, formId, ...page })));
  await enhanced(tab);
  return tab;
}

/** A fresh visitor's tab that collects script errors and the console errors `counts` keeps. */
async function watchedPage(counts: (message: ConsoleMessage) => boolean) {
  context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && counts(m) && problems.push(m.text()));
  page.on('pageerror', (error) => problems.push(error.message));
  return { page, problems };
}

async function fill(page: Page, values: { name?: string; email?: string; message?: string }) {
  for (const [name, value] of Object.entries(values)) await page.fill(`[name="${name}"]`, value);
}

const value = (page: Page, name: string) => page.locator(`[name="${name}"]`).inputValue();
const status = (page: Page) => page.locator('form [role="status"]').textContent();

describe('embed.js on a static site (real chromium, page and API on different origins)', () => {
  it('should send with fetch, stay on the page, clear the form, and the owner gets the mail', async () => {
    const page = await visit('hello');
    const posts = recordPosts(page, harbor.origin);
    const before = page.url();
    await fill(page, { name: 'Ada Lovelace', email: 'ada@example.com', message: 'Hello from a static site.' });
    await page.click('button[type="submit"]');
    await formState(page, 'success');

    expect(page.url()).toBe(before);
    expect(await status(page)).toBe('Thank you! Your message has been sent.');
    const region = page.locator('form [role="status"]');
    expect(await region.getAttribute('aria-live')).toBe('polite');
    expect([await value(page, 'name'), await value(page, 'email'), await value(page, 'message')]).toEqual(['', '', '']);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.accept).toBe('application/json');
    expect(posts[0]!.key).toMatch(UUID);
    expect(await savedMessages(page)).toEqual([]);

    const [item] = await stored(harbor.t, 'hello');
    expect(item).toMatchObject({
      status: 'inbox',
      data: { name: 'Ada Lovelace', email: 'ada@example.com', message: 'Hello from a static site.' },
    });
    await harbor.t.settle();
    await sink.waitFor(1);
    const mail = sink.messages.find((m) => m.parsed.headers.get('x-formharbor-submission') === item!.id);
    expect(mail?.parsed.text).toContain('Hello from a static site.');
    expect(mail?.parsed.replyTo?.value[0]?.address).toBe('ada@example.com');

    await page.locator('button[type="submit"]').focus();
    mkdirSync(DOCS, { recursive: true });
    await page.screenshot({ path: new URL('embed-success.png', DOCS).pathname });
  });

  it('should show each 422 message next to its field, wired for screen readers, focus the first, and keep the input', async () => {
    const page = await visit('checked');
    const posts = recordPosts(page, harbor.origin);
    await fill(page, { name: 'Ada', email: 'not-an-email' });
    await page.click('button[type="submit"]');
    await formState(page, 'invalid');

    expect(await status(page)).toBe('Please correct the marked fields.');
    expect([await value(page, 'name'), await value(page, 'email'), await value(page, 'message')]).toEqual(['Ada', 'not-an-email', '']);
    const described = async (name: string) => {
      const field = page.locator(`[name="${name}"]`);
      const ids = ((await field.getAttribute('aria-describedby')) ?? '').split(' ');
      const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).textContent()));
      return { invalid: await field.getAttribute('aria-invalid'), texts };
    };
    expect(await described('email')).toEqual({ invalid: 'true', texts: ['We only use it to answer you.', 'Enter a valid email address.'] });
    expect(await described('message')).toEqual({ invalid: 'true', texts: ['This field is required.'] });
    expect(await page.locator('[name="name"]').getAttribute('aria-invalid')).toBeNull();
    // the message sits right after its field
    expect(await page.locator('#email + .formharbor-error').textContent()).toBe('Enter a valid email address.');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).name)).toBe('email');
    expect(await stored(harbor.t, 'checked')).toEqual([]);
    await page.screenshot({ path: new URL('embed-error.png', DOCS).pathname });

    // The same filled form sent again keeps its key; an edited one gets a new key.
    await page.click('button[type="submit"]');
    await page.waitForFunction(
      () => document.activeElement?.getAttribute('name') === 'email' && document.querySelectorAll('.formharbor-error').length === 2,
    );
    expect(posts).toHaveLength(2);
    expect(posts[1]!.key).toBe(posts[0]!.key);
    await fill(page, { email: 'ada@example.com', message: 'Fixed it.' });
    await page.click('button[type="submit"]');
    await formState(page, 'success');
    expect(posts[2]!.key).not.toBe(posts[0]!.key);
    // errors are gone and the field's own description is back
    expect(await page.locator('.formharbor-error').count()).toBe(0);
    expect(await page.locator('[name="email"]').getAttribute('aria-describedby')).toBe('email-hint');
    expect(await page.locator('[aria-invalid]').count()).toBe(0);
    // after a success, the same text again is a new message with a new key
    await fill(page, { name: 'Ada', email: 'ada@example.com', message: 'Fixed it.' });
    await page.click('button[type="submit"]');
    await formState(page, 'success');
    expect(posts[3]!.key).not.toBe(posts[2]!.key);
    expect((await stored(harbor.t, 'checked')).map((s) => s.data.message)).toEqual(['Fixed it.', 'Fixed it.']);
  });

  it('should show a server message it has no translation for as sent, even when it mentions email', async () => {
    const fields = `<label for="via">Reply via</label><select id="via" name="via"><option>by fax</option></select><button type="submit">Send</button>`;
    const page = await visit('via', { fields }, { fields: [{ name: 'via', type: 'select', options: ['by email', 'by phone'] }] });
    await page.click('button[type="submit"]');
    await formState(page, 'invalid');
    expect(await page.locator('#via + .formharbor-error').textContent()).toBe('Choose one of: by email, by phone');
  });

  it("should send nothing when the page's own handler cancels the submit, and clear a form with a control named reset", async () => {
    const consent = `<label><input type="checkbox" name="consent" value="yes"> I agree</label>
<script>document.currentScript.closest('form').addEventListener('submit', (e) => { if (!e.target.consent.checked) e.preventDefault(); });</script>
<input type="reset" name="reset" value="Clear">`;
    const page = await visit('consent', { fields: DEFAULT_FIELDS + consent });
    const posts = recordPosts(page, harbor.origin);
    await fill(page, { name: 'Ada', email: 'ada@example.com', message: 'Hi.' });
    await page.click('button[type="submit"]');
    await page.check('[name="consent"]');
    await page.click('button[type="submit"]');
    await formState(page, 'success');
    // Only the second click posted: the first one's post would have been recorded before it.
    expect(posts).toHaveLength(1);
    expect(await stored(harbor.t, 'consent')).toHaveLength(1);
    expect(await value(page, 'message')).toBe('');
  });

  it('should disable the button while sending, so a double click stores one submission', async () => {
    const page = await visit('double');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let posts = 0;
    let arrived!: () => void;
    const first = new Promise<void>((resolve) => (arrived = resolve));
    await page.route(`${harbor.origin}/f/double`, async (route) => {
      if (route.request().method() === 'POST') {
        posts++;
        arrived();
      }
      await held;
      await route.continue();
    });
    await fill(page, { name: 'Bo', email: 'bo@example.com', message: 'Clicked twice.' });
    await page.dblclick('button[type="submit"]');
    await formState(page, 'sending');
    await first;
    expect(await page.locator('button[type="submit"]').isDisabled()).toBe(true);
    expect(await page.locator('form').getAttribute('aria-busy')).toBe('true');
    expect(await status(page)).toBe('Sending…');
    // Enter in a field, or a script, cannot start a second send either.
    await page.evaluate(() => document.querySelector('form')!.requestSubmit());
    expect(posts).toBe(1);
    release();
    await formState(page, 'success');
    expect(posts).toBe(1);
    expect(await page.locator('button[type="submit"]').isDisabled()).toBe(false);
    expect(await page.locator('form').getAttribute('aria-busy')).toBeNull();
    expect(await storedCount(harbor.t, 'double', 1)).toHaveLength(1);
  });

  it('should add a _gotcha honeypot hidden from people and screen readers, and a bot filling it is stored as spam', async () => {
    const page = await visit('pot');
    const gotcha = page.locator('input[name="_gotcha"]');
    expect(await gotcha.getAttribute('tabindex')).toBe('-1');
    expect(await gotcha.getAttribute('autocomplete')).toBe('off');
    expect(await gotcha.getAttribute('aria-hidden')).toBe('true');
    expect(await page.locator('div[aria-hidden="true"] > input[name="_gotcha"]').count()).toBe(1);
    const box = await gotcha.boundingBox();
    expect(box!.x + box!.width).toBeLessThan(0);
    // screen readers see three text boxes, not four
    expect(await page.locator('form input:not([type=hidden]), form textarea').count()).toBe(4);
    expect(await page.getByRole('textbox').count()).toBe(3);
    // keyboard users never land in it
    await page.focus('[name="name"]');
    const reached: string[] = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      reached.push(await page.evaluate(() => document.activeElement?.getAttribute('name') ?? document.activeElement!.tagName));
    }
    expect(reached).not.toContain('_gotcha');

    await fill(page, { name: 'Bot', email: 'bot@example.com', message: 'Cheap pills' });
    await gotcha.evaluate((input: HTMLInputElement) => (input.value = 'http://spam.example'));
    await page.click('button[type="submit"]');
    await formState(page, 'success');
    const [item] = await stored(harbor.t, 'pot');
    expect(item).toMatchObject({ status: 'spam', deliveries: [] });
  });

  it('should enhance forms added after load and data-formharbor forms, but leave other forms alone', async () => {
    await harbor.t.createForm({ id: 'later', fields: CONTACT_FIELDS });
    await harbor.t.createForm({ id: 'by-attr', fields: CONTACT_FIELDS });
    context = await browser.newContext();
    const page = await context.newPage();
    const url = site.put(
      '/spa.html',
      `<!doctype html><html lang="en"><head><script src="${harbor.origin}/embed.js" defer></script></head><body><main></main></body></html>`,
    );
    await page.goto(url);
    await page.waitForFunction(() => 'Formharbor' in window);
    await page.evaluate(
      async ({ api }) => {
        const fields = '<input name="name"><input name="email"><textarea name="message"></textarea><button>Send</button>';
        document.querySelector('main')!.innerHTML = `<form id="a" action="${api}/f/later" method="post">${fields}</form>
          <form id="b" data-formharbor="by-attr">${fields}</form>
          <form id="c" action="/search" method="get"><input name="q"></form>`;
        // a second copy of the script must not enhance anything twice
        const again = Object.assign(document.createElement('script'), { src: `${api}/embed.js?again` });
        await new Promise((resolve) => document.head.append(Object.assign(again, { onload: resolve })));
      },
      { api: harbor.origin },
    );
    await enhanced(page, '#a');
    await enhanced(page, '#b');
    expect(await page.locator('#c input[name="_gotcha"], #c [role="status"]').count()).toBe(0);
    expect(await page.locator('#a input[name="_gotcha"]').count()).toBe(1);
    expect(await page.locator('#a [role="status"]').count()).toBe(1);

    for (const [form, id] of [
      ['#a', 'later'],
      ['#b', 'by-attr'],
    ] as const) {
      await page.fill(`${form} [name="name"]`, 'Late');
      await page.fill(`${form} [name="email"]`, 'late@example.com');
      await page.fill(`${form} [name="message"]`, `Posted to ${id}`);
      await page.click(`${form} button`);
      await formState(page, 'success', form);
      expect((await stored(harbor.t, id)).map((s) => s.data.message)).toEqual([`Posted to ${id}`]);
    }
    expect(page.url()).toBe(url);
  });

  it('should follow the redirect the owner configured', async () => {
    const thanks = site.put('/thanks.html', '<!doctype html><title>Thanks</title><h1>Thanks, we got it</h1>');
    const page = await visit('redirecting', {}, { redirectUrl: thanks });
    await fill(page, { name: 'Cy', email: 'cy@example.com', message: 'Take me there.' });
    await page.click('button[type="submit"]');
    await page.waitForURL(thanks);
    expect(await page.locator('h1').textContent()).toBe('Thanks, we got it');
    expect(await stored(harbor.t, 'redirecting')).toHaveLength(1);
  });

  it('should show refusals (origin not allowed, unknown form, too large, conflict) as errors, keep the input and not queue them', async () => {
    const page = await visit('locked', {}, { allowedOrigins: ['https://elsewhere.example'] });
    await fill(page, { name: 'Di', email: 'di@example.com', message: 'From the wrong site.' });
    await page.click('button[type="submit"]');
    await formState(page, 'failed');
    expect(await status(page)).toBe('Sorry, your message could not be sent (error CORS).');
    expect(await value(page, 'message')).toBe('From the wrong site.');
    expect(await savedMessages(page)).toEqual([]);
    expect(await stored(harbor.t, 'locked')).toEqual([]);

    const missing = await context.newPage();
    await missing.goto(site.put('/missing.html', contactPage({ api: harbor.origin, formId: 'no-such-form' })));
    await enhanced(missing);
    await fill(missing, { name: 'Di', email: 'di@example.com', message: 'Nobody home.' });
    await missing.click('button[type="submit"]');
    await formState(missing, 'failed');
    expect(await value(missing, 'message')).toBe('Nobody home.');
    expect(await savedMessages(missing)).toEqual([]);

    await harbor.t.createForm({ id: 'small', fields: CONTACT_FIELDS });
    const big = await context.newPage();
    await big.goto(site.put('/small.html', contactPage({ api: harbor.origin, formId: 'small' })));
    await enhanced(big);
    await fill(big, { name: 'Di', email: 'di@example.com' });
    await big.locator('[name="message"]').evaluate((area: HTMLTextAreaElement) => (area.value = 'x'.repeat(1_100_000)));
    await big.click('button[type="submit"]');
    await formState(big, 'too-large');
    expect(await status(big)).toBe('Your message is too large to be sent.');
    expect((await value(big, 'message')).length).toBe(1_100_000);
    expect(await savedMessages(big)).toEqual([]);
    expect(await stored(harbor.t, 'small')).toEqual([]);

    // a 409 conflict is shown, and the next try gets a fresh key instead of repeating the clash
    await harbor.t.createForm({ id: 'clash', fields: CONTACT_FIELDS });
    const clash = await context.newPage();
    const posts = recordPosts(clash, harbor.origin);
    await clash.route(`${harbor.origin}/f/clash`, async (route) => {
      if (route.request().method() !== 'POST' || posts.length > 1) return route.continue();
      await route.fulfill({
        status: 409,
        headers: { 'access-control-allow-origin': '*', 'content-type': 'application/json' },
        body: JSON.stringify({
          ok: false,
          error: 'idempotency_conflict',
          message: 'This Idempotency-Key was already used for a different submission',
        }),
      });
    });
    await clash.goto(site.put('/clash.html', contactPage({ api: harbor.origin, formId: 'clash' })));
    await enhanced(clash);
    await fill(clash, { name: 'Di', email: 'di@example.com', message: 'Clash.' });
    await clash.click('button[type="submit"]');
    await formState(clash, 'failed');
    expect(await status(clash)).toBe('Sorry, your message could not be sent (error 409).');
    expect(await value(clash, 'message')).toBe('Clash.');
    expect(await savedMessages(clash)).toEqual([]);
    await clash.click('button[type="submit"]');
    await formState(clash, 'success');
    expect(posts).toHaveLength(2);
    expect(posts[1]!.key).not.toBe(posts[0]!.key);
    expect(await stored(harbor.t, 'clash')).toHaveLength(1);
  });

  it('should answer in Traditional Chinese from <html lang> and in German from data-lang, with owner overrides', async () => {
    const zh = await visit('zh', { lang: 'zh-TW', formAttrs: 'data-success="已收到，我們會盡快回覆！"' });
    await fill(zh, { name: '小明', email: 'not-an-email' });
    await zh.click('button[type="submit"]');
    await formState(zh, 'invalid');
    expect(await status(zh)).toBe('請修正標示的欄位。');
    expect(await zh.locator('#email + .formharbor-error').textContent()).toBe('請輸入有效的電子郵件地址。');
    expect(await zh.locator('#message + .formharbor-error').textContent()).toBe('此欄位為必填。');
    await fill(zh, { email: 'ming@example.tw', message: '你好' });
    await zh.click('button[type="submit"]');
    await formState(zh, 'success');
    expect(await status(zh)).toBe('已收到，我們會盡快回覆！');
    await context.close();

    const de = await visit('de', { lang: 'en', formAttrs: 'data-lang="de" data-error-required="Dieses Feld fehlt noch."' });
    await fill(de, { name: 'Erika', email: 'erika-at-example' });
    await de.click('button[type="submit"]');
    await formState(de, 'invalid');
    expect(await status(de)).toBe('Bitte korrigieren Sie die markierten Felder.');
    expect(await de.locator('#email + .formharbor-error').textContent()).toBe('Bitte geben Sie eine gültige E-Mail-Adresse ein.');
    expect(await de.locator('#message + .formharbor-error').textContent()).toBe('Dieses Feld fehlt noch.');
    await fill(de, { email: 'erika@example.de', message: 'Hallo' });
    await de.click('button[type="submit"]');
    await formState(de, 'success');
    expect(await status(de)).toBe('Vielen Dank! Ihre Nachricht wurde gesendet.');
    await context.close();

    // site-wide texts on the script tag
    const site2 = await visit('scripted', { scriptAttrs: 'data-invalid="Almost there: see below."' });
    await site2.click('button[type="submit"]');
    await formState(site2, 'invalid');
    expect(await status(site2)).toBe('Almost there: see below.');
  });
});

describe('a page with a strict CSP of its own', () => {
  it('should style its messages without inline styles (no CSP violation) and still mark the fields', async () => {
    await harbor.t.createForm({ id: 'strict', name: 'Strict', fields: CONTACT_FIELDS });
    // The 422 itself is logged as a failed resource; only CSP refusals count here.
    const { page, problems } = await watchedPage((m) => /Content Security Policy|Refused/i.test(m.text()));
    const csp = `default-src 'none'; script-src ${harbor.origin}; connect-src ${harbor.origin}; style-src 'self'; form-action ${harbor.origin}`;
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}"><title>Strict</title></head>
<body><form action="${harbor.origin}/f/strict" method="post" novalidate>${DEFAULT_FIELDS}</form><script src="${harbor.origin}/embed.js" defer></script></body></html>`;
    await page.goto(site.put('/strict.html', html));
    await enhanced(page);
    await fill(page, { name: 'Eve', email: 'not an address', message: 'Hi' });
    await page.click('button[type="submit"]');
    await formState(page, 'invalid');
    const note = page.locator('.formharbor-error');
    expect(await note.evaluate((el) => [getComputedStyle(el).display, getComputedStyle(el).color])).toEqual(['block', 'rgb(176, 0, 32)']);
    expect(problems).toEqual([]);
  });
});

describe('the demo page at /', () => {
  it('should run the embed under its own strict CSP and send without leaving the page', async () => {
    await harbor.t.createForm({ id: 'demo', name: 'Demo contact form', fields: CONTACT_FIELDS });
    const { page, problems } = await watchedPage((m) => !m.location().url.endsWith('/favicon.ico'));
    await page.goto(`${harbor.origin}/`);
    await enhanced(page);
    await fill(page, { name: 'Demo', email: 'demo@example.com', message: 'Trying the demo.' });
    await page.click('button[type="submit"]');
    await formState(page, 'success');
    expect(page.url()).toBe(`${harbor.origin}/`);
    expect((await stored(harbor.t, 'demo')).map((s) => s.data.message)).toEqual(['Trying the demo.']);
    expect(problems).toEqual([]);
  });
});

describe('the same form without JavaScript', () => {
  it('should post, get a 303 to the thanks page, and after a 422 keep the input on the error page', async () => {
    await harbor.t.createForm({ id: 'plain', name: 'Plain form', fields: CONTACT_FIELDS });
    context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const url = site.put('/plain.html', contactPage({ api: harbor.origin, formId: 'plain' }));
    await page.goto(url);
    expect(await page.locator('input[name="_gotcha"]').count()).toBe(0);
    await fill(page, { name: 'Eve', email: 'eve@example.com', message: 'No scripts here.' });
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('button[type="submit"]'),
    ]);
    expect(response.status()).toBe(303);
    await page.waitForURL(`${harbor.origin}/f/plain/thanks`);
    expect(await page.locator('h1').textContent()).toBe('Thank you');
    expect((await stored(harbor.t, 'plain')).map((s) => s.data.message)).toEqual(['No scripts here.']);

    await page.goto(url);
    // A first line left empty on purpose: HTML drops a line break right after <textarea>.
    await fill(page, { name: 'Eve', email: 'eve-at-example', message: '\nSecond, with a typo.' });
    await page.click('button[type="submit"]');
    await page.waitForURL(`${harbor.origin}/f/plain`);
    expect(await page.locator('.error').first().textContent()).toContain('Enter a valid email address');
    expect(await page.locator('textarea[name="name"]').inputValue()).toBe('Eve');
    expect(await page.locator('textarea[name="email"]').inputValue()).toBe('eve-at-example');
    expect(await page.locator('textarea[name="message"]').inputValue()).toBe('\nSecond, with a typo.');
    await page.fill('textarea[name="email"]', 'eve@example.com');
    await page.click('button[type="submit"]');
    await page.waitForURL(`${harbor.origin}/f/plain/thanks`);
    expect((await stored(harbor.t, 'plain')).map((s) => s.data.message).sort()).toEqual(['\nSecond, with a typo.', 'No scripts here.']);
  });
});

import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultSpamSettings } from '../../src/db/schema.ts';
import {
  contactPage,
  enhanced,
  formState,
  launchChromium,
  startHarbor,
  startSite,
  stored,
  type Harbor,
  type Site,
} from '../support/browser.ts';
import { startSiteverify } from '../support/siteverify.ts';

/**
 * A stand-in for Turnstile's api.js, served by the test: it renders a box holding the token
 * field Turnstile puts in a form, counts renders and resets, and takes the next token from
 * `window.nextToken` (`good` unless a test says otherwise).
 */
const FAKE_TURNSTILE = `window.renders = 0; window.resets = 0; window.nextToken = 'good';
window.turnstile = {
  render(box, options) {
    window.renders++;
    box.textContent = 'fake widget for ' + options.sitekey;
    const input = document.createElement('input');
    input.type = 'hidden'; input.name = 'cf-turnstile-response'; input.value = window.nextToken;
    box.append(input);
    return 'w1';
  },
  reset() { window.resets++; document.querySelector('[name="cf-turnstile-response"]').value = window.nextToken; },
};`;

/** reCAPTCHA v3's api.js as far as the embed uses it: no widget, a token per `execute`, recorded. */
const FAKE_RECAPTCHA_V3 = `window.executes = []; window.nextToken = 'good';
window.grecaptcha = {
  render() { throw new Error('v3 renders no widget'); },
  ready(callback) { setTimeout(callback, 0); },
  execute(siteKey, options) { window.executes.push([siteKey, options.action]); return Promise.resolve(window.nextToken); },
};`;

let browser: Browser;
let harbor: Harbor;
let site: Site;
let verifier: Awaited<ReturnType<typeof startSiteverify>>;
let context: BrowserContext;

beforeAll(async () => {
  [browser, site, verifier] = await Promise.all([launchChromium(), startSite(), startSiteverify()]);
  harbor = await startHarbor({ env: verifier.env });
  await harbor.t.createForm({
    id: 'guarded',
    spam: { ...defaultSpamSettings(), captcha: { provider: 'turnstile', siteKey: '0xSITEKEY', secret: 'secret-ok' } },
  });
  await harbor.t.createForm({
    id: 'scored',
    spam: { ...defaultSpamSettings(), captcha: { provider: 'recaptcha', siteKey: '6LSITEKEY', secret: 'secret-ok', minScore: 0.5 } },
  });
});
afterAll(async () => {
  await browser?.close();
  await harbor?.close();
  await site?.close();
  await verifier?.close();
});
afterEach(async () => {
  await context?.close();
});

describe('embed with a captcha', () => {
  it('should render the widget with the site key from the ticket, send its token and _ticket, reset it, and show a refused check inline', async () => {
    const url = site.put(
      '/captcha.html',
      contactPage({
        api: harbor.origin,
        formId: 'guarded',
        scriptAttrs: `data-captcha-script-turnstile="data:text/javascript,${encodeURIComponent(FAKE_TURNSTILE)}"`,
      }),
    );
    context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    await enhanced(page);
    await page.locator('.formharbor-captcha').getByText('fake widget for 0xSITEKEY').waitFor();
    expect(await page.locator('input[name="_ticket"]').inputValue()).toMatch(/^[0-9a-z]+\.[\w-]{32}$/);

    await page.fill('#name', 'Anna');
    await page.fill('#email', 'anna@site.test');
    await page.fill('#message', 'Hello');
    await page.click('button[type=submit]');
    await formState(page, 'success');
    expect(verifier.requests.at(-1)).toMatchObject({ response: 'good', secret: 'secret-ok' });
    const [first] = await stored(harbor.t, 'guarded');
    expect(first!.data).toEqual({ name: 'Anna', email: 'anna@site.test', message: 'Hello' });
    expect(
      await page.evaluate(() => [(window as unknown as { renders: number }).renders, (window as unknown as { resets: number }).resets]),
    ).toEqual([1, 1]);

    await page.evaluate(() => {
      (window as unknown as { nextToken: string }).nextToken = 'expired';
      (document.querySelector('[name="cf-turnstile-response"]') as HTMLInputElement).value = 'expired';
    });
    await page.fill('#message', 'Hello again');
    await page.click('button[type=submit]');
    await formState(page, 'invalid');
    await expect(page.locator('.formharbor-captcha + .formharbor-error').textContent()).resolves.toBe(
      'Please complete the check above the button, then send again.',
    );
    expect(await stored(harbor.t, 'guarded')).toHaveLength(1);
  });

  it('should ask reCAPTCHA v3 for a fresh token at each send, with no widget, and show a low score inline', async () => {
    const url = site.put(
      '/scored.html',
      contactPage({
        api: harbor.origin,
        formId: 'scored',
        scriptAttrs: `data-captcha-script-recaptcha="data:text/javascript,${encodeURIComponent(FAKE_RECAPTCHA_V3)}"`,
      }),
    );
    context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    await enhanced(page);
    await page.waitForFunction(() => 'grecaptcha' in window);
    const executes = () => page.evaluate(() => (window as unknown as { executes: string[][] }).executes);

    await page.fill('#name', 'Anna');
    await page.fill('#email', 'anna@site.test');
    await page.fill('#message', 'Hello');
    await page.click('button[type=submit]');
    await formState(page, 'success');
    expect(await executes()).toEqual([['6LSITEKEY', 'submit']]);
    expect(verifier.requests.at(-1)).toMatchObject({ response: 'good', secret: 'secret-ok' });
    const [first] = await stored(harbor.t, 'scored');
    expect(first!.data).toEqual({ name: 'Anna', email: 'anna@site.test', message: 'Hello' });

    await page.evaluate(() => ((window as unknown as { nextToken: string }).nextToken = 'low'));
    await page.fill('#message', 'Hello again');
    await page.click('button[type=submit]');
    await formState(page, 'invalid');
    expect(await executes()).toHaveLength(2);
    expect(verifier.requests.at(-1)).toMatchObject({ response: 'low' });
    await expect(page.locator('.formharbor-captcha + .formharbor-error').textContent()).resolves.toBe(
      'Please complete the check above the button, then send again.',
    );
    expect(await stored(harbor.t, 'scored')).toHaveLength(1);
  });
});

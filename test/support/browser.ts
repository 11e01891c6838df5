import { serve, type ServerType } from '@hono/node-server';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { testApp, type TestApp, type TestAppOptions } from './app.ts';

/** Debian's chromium, never a downloaded browser. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

type HttpServer = Server & { closeAllConnections(): void };

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function shut(server: Server): Promise<void> {
  (server as HttpServer).closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * The app from `testApp` over real HTTP on 127.0.0.1. The port is taken first so PUBLIC_URL
 * (links, the thanks redirect) names the real origin; `stop` and `start` take the server down
 * and bring it back on the same port over the same database, as a crash and restart would.
 */
export async function startHarbor(options: TestAppOptions = {}) {
  // The app exists only once the port is known; the server asks for it per request.
  const current: { t?: TestApp } = {};
  let server: ServerType | undefined;
  const fetch = (request: Request, env: unknown) => current.t!.app.fetch(request, env as object);
  const up = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server = serve({ fetch, port, hostname: '127.0.0.1' }, (info) => resolve(info.port));
      server.once('error', reject);
    });
  const port = await up(0);
  const origin = `http://127.0.0.1:${port}`;
  const app = (current.t = await testApp({ ...options, env: { PUBLIC_URL: origin, ...options.env } }));
  return {
    t: app,
    origin,
    port,
    /** Refuses connections from now on: open ones are cut, new ones get ECONNREFUSED. */
    stop: () => shut(server as Server),
    start: async () => {
      if (!(server as Server).listening) await up(port);
    },
    close: async () => {
      if ((server as Server).listening) await shut(server as Server);
      await app.close();
    },
  };
}

export type Harbor = Awaited<ReturnType<typeof startHarbor>>;

/** A static site on its own port (so its own origin), serving whatever pages a test puts in. */
export async function startSite() {
  const pages = new Map<string, string>();
  const server = createServer((req, res) => {
    const page = pages.get(new URL(req.url ?? '/', 'http://site').pathname);
    res.writeHead(page === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(page ?? '<!doctype html><title>Not found</title>');
  });
  const port = await listen(server, 0);
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    /** Publishes `html` at `path` and answers its full URL. */
    put: (path: string, html: string) => {
      pages.set(path, html);
      return origin + path;
    },
    close: () => shut(server),
  };
}

export type Site = Awaited<ReturnType<typeof startSite>>;

export type PageOptions = {
  api: string;
  formId: string;
  lang?: string;
  /** Extra attributes for the <form>, e.g. `data-lang="de"`. */
  formAttrs?: string;
  /** Extra attributes for the <script>. */
  scriptAttrs?: string;
  /** Replaces the default fields (name, email with a hint, message). */
  fields?: string;
};

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
label{display:block;margin-top:.8rem;font-weight:600}.hint{color:#666;font-size:.9em}
input,textarea{font:inherit;width:100%;padding:.4rem;box-sizing:border-box;border:1px solid #999;border-radius:4px}
button{font:inherit;margin-top:1rem;padding:.4rem 1.2rem}`;

export const DEFAULT_FIELDS = `<label for="name">Name</label><input id="name" name="name" autocomplete="name">
<label for="email">Email</label><input id="email" name="email" type="email" aria-describedby="email-hint" autocomplete="email">
<span id="email-hint" class="hint">We only use it to answer you.</span>
<label for="message">Message</label><textarea id="message" name="message" rows="4"></textarea>
<button type="submit">Send</button>`;

/**
 * A contact page exactly as a site owner writes it: an ordinary form posting to the API's
 * /f/FORM_ID plus the one script tag. `novalidate` lets the server's validation speak.
 */
export function contactPage(o: PageOptions): string {
  return `<!doctype html>
<html lang="${o.lang ?? 'en'}"><head><meta charset="utf-8"><title>Contact</title><style>${STYLE}</style></head>
<body><h1>Contact us</h1>
<form action="${o.api}/f/${o.formId}" method="post" novalidate ${o.formAttrs ?? ''}>
${o.fields ?? DEFAULT_FIELDS}
</form>
<script src="${o.api}/embed.js" defer ${o.scriptAttrs ?? ''}></script>
</body></html>`;
}

/** Resolves once the embed has enhanced the page's first form (its honeypot is in place). */
export async function enhanced(page: Page, form = 'form'): Promise<void> {
  await page.locator(`${form} input[name="_gotcha"]`).waitFor({ state: 'attached' });
}

/** Resolves when the form reaches one of the embed's states (sending, success, saved, invalid…). */
export async function formState(page: Page, state: string, form = 'form', timeout = 10_000): Promise<void> {
  await page.locator(`${form}[data-formharbor-state="${state}"]`).waitFor({ state: 'attached', timeout });
}

/** The embed's saved (not yet stored) messages in this page's localStorage. */
export function savedMessages(page: Page): Promise<{ k: string; u: string; e: [string, string][] }[]> {
  return page.evaluate(() =>
    Object.keys(localStorage)
      .filter((name) => name.startsWith('formharbor:'))
      .map((name) => JSON.parse(localStorage.getItem(name)!)),
  );
}

export type Stored = { id: string; status: string; data: Record<string, unknown>; deliveries: { status: string }[] };

/** What the server stored for a form, through the owners' API (submissions made within one tick of the manual clock come in any order). */
export async function stored(t: TestApp, formId: string): Promise<Stored[]> {
  const res = await t.api(`/forms/${formId}/submissions?limit=100`);
  if (res.status !== 200) throw new Error(`submissions of ${formId}: ${res.status}`);
  return ((await res.json()) as { items: Stored[] }).items;
}

/** Polls `stored` until `count` submissions are there (the browser's retries are asynchronous). */
export async function storedCount(t: TestApp, formId: string, count: number, timeoutMs = 10_000): Promise<Stored[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const items = await stored(t, formId);
    if (items.length >= count || Date.now() > deadline) return items;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Records every POST the page makes to the API, with the headers the embed sent. */
export function recordPosts(page: Page, api: string) {
  const posts: { url: string; key: string | undefined; accept: string | undefined; at: number }[] = [];
  page.on('request', (request) => {
    if (request.method() !== 'POST' || !request.url().startsWith(api)) return;
    const headers = request.headers();
    posts.push({ url: request.url(), key: headers['idempotency-key'], accept: headers['accept'], at: Date.now() });
  });
  return posts;
}

import { html } from 'hono/html';
import type { Form } from './db/schema.ts';
import type { FormInput } from './forms/definition.ts';
import { layout } from './pages.ts';

/** The demo page may load the embed and post to this server, nothing else. */
export const DEMO_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export const DEMO_FORM_ID = 'demo';

/**
 * Anyone can fill in the demo, and it mails the owner's own address: every notification says it
 * came from the demo, so a visitor's `_subject` cannot pass for the owner's or Formharbor's mail.
 */
export const DEMO_SUBJECT_PREFIX = '[Formharbor demo] ';
export const DEMO_NOTICE =
  "Sent through the demo form on Formharbor's own page, which anyone can fill in: the words below are a visitor's, not Formharbor's or yours.";

/**
 * The demo form: name, email and message, all required, mailed to `recipient`, and posted
 * to only from this server's own pages (`origin`), not from any site on the web.
 */
export function demoForm(recipient: string, origin: string): FormInput & { id: string } {
  return {
    id: DEMO_FORM_ID,
    name: 'Demo contact form',
    recipients: [recipient],
    allowedOrigins: [origin],
    fields: [
      { name: 'name', type: 'text', required: true, maxLength: 200 },
      { name: 'email', type: 'email', required: true },
      { name: 'message', type: 'textarea', required: true, maxLength: 10000 },
    ],
    extraFields: 'keep',
  };
}

/** The snippet a site owner pastes: an ordinary form plus one script tag. */
export function embedSnippet(publicUrl: string, formId: string): string {
  return `<form action="${publicUrl}/f/${formId}" method="post">
  <label>Name <input name="name" required></label>
  <label>Email <input name="email" type="email" required></label>
  <label>Message <textarea name="message" required></textarea></label>
  <button type="submit">Send</button>
</form>
<script src="${publicUrl}/embed.js" defer></script>`;
}

/** `/`: what Formharbor is, and the demo form wired exactly as a site owner would wire it. */
export function demoPage(publicUrl: string, demo: Form | undefined) {
  const snippet = demo ? embedSnippet(publicUrl, demo.id) : '';
  return layout(
    'Formharbor',
    html`<h1>Formharbor</h1>
<p>Contact forms whose messages never sink: every submission is stored before the visitor is told it was sent, then mailed with retries. Owners sign in at <a href="/admin">/admin</a>.</p>
${
  demo
    ? html`<h2>Try it: ${demo.name}</h2>
<form action="/f/${demo.id}" method="post">
<label for="name">Name</label><input id="name" name="name" required autocomplete="name">
<label for="email">Email</label><input id="email" name="email" type="email" required autocomplete="email">
<label for="message">Message</label><textarea id="message" name="message" rows="5" required></textarea>
<button type="submit">Send</button>
</form>
<h2>Put it on your site</h2><pre><code>${snippet}</code></pre>`
    : html`<p class="muted">There is no demo form.</p>`
}`,
    html`<script src="/embed.js" defer></script>`,
  );
}

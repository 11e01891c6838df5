import type { FormInput } from './forms/definition.ts';

/** The demo page may load the embed and post to this server, nothing else. */
export const DEMO_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

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
    language: 'en',
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

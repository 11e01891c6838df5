import { html } from 'hono/html';
import type { Delivery, DeliveryAttempt, Form, Submission } from '../db/schema.ts';
import { displayValue } from '../mail/render.ts';
import { embedSnippet } from '../demo.ts';
import { layout } from '../pages.ts';

const when = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC');

const csrfField = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;

const nav = (token: string) =>
  html`<nav><a href="/admin">Forms</a> · <form method="post" action="/admin/logout" style="display:inline">${csrfField(token)}<button type="submit" style="margin:0">Sign out</button></form></nav>`;

export function loginPage(error?: string) {
  return layout(
    'Sign in — Formharbor',
    html`<h1>Formharbor admin</h1>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="/admin/login">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button></form>`,
  );
}

export function homePage(token: string, forms: Form[], backlog: { pending: number; held: number; failed: number }) {
  return layout(
    'Forms — Formharbor',
    html`${nav(token)}<h1>Forms</h1>
<p>Outbox: ${backlog.pending} pending, ${backlog.held} held (no SMTP configured), ${backlog.failed} failed.</p>
<table><tr><th>Form</th><th>Id</th><th>Recipients</th></tr>
${forms.map((f) => html`<tr><td><a href="/admin/forms/${f.id}">${f.name}</a></td><td>${f.id}</td><td>${f.recipients.join(', ')}</td></tr>`)}
</table>`,
  );
}

const deliverySummary = (deliveries: Delivery[]) =>
  deliveries.length === 0 ? html`<span class="muted">not mailed</span>` : deliveries.map((d) => html`<span class="badge">${d.status}</span> `);

export function formPage(
  token: string,
  publicUrl: string,
  form: Form,
  rows: (Submission & { deliveries: Delivery[] })[],
  query: { q?: string; status?: string },
  next: string | null,
) {
  const preview = (data: Submission['data']) => Object.values(data).map(displayValue).join(' · ').slice(0, 120);
  const params = (extra: Record<string, string>) => new URLSearchParams({ ...(query.q && { q: query.q }), ...(query.status && { status: query.status }), ...extra }).toString();
  return layout(
    `${form.name} — Formharbor`,
    html`${nav(token)}<h1>${form.name}</h1>
<p>Recipients: ${form.recipients.join(', ')} · <a href="/admin/forms/${form.id}/export.csv">Export CSV</a></p>
<form method="get"><label for="q">Search</label><input id="q" name="q" value="${query.q ?? ''}">
<label for="status">Status</label><select id="status" name="status"><option value="">any</option>
${['inbox', 'spam', 'archived'].map((s) => html`<option value="${s}" ${query.status === s ? 'selected' : ''}>${s}</option>`)}</select>
<button type="submit">Search</button></form>
<table><tr><th>Received</th><th>Status</th><th>Message</th><th>Mail</th></tr>
${rows.map(
  (s) => html`<tr><td><a href="/admin/submissions/${s.id}">${when(s.createdAt)}</a></td><td>${s.status}</td><td>${preview(s.data)}</td><td>${deliverySummary(s.deliveries)}</td></tr>`,
)}
</table>${rows.length === 0 ? html`<p class="muted">No submissions yet.</p>` : ''}
${next ? html`<p><a href="/admin/forms/${form.id}?${params({ cursor: next })}">Older submissions →</a></p>` : ''}
<h2>Embed</h2><pre><code>${embedSnippet(publicUrl, form.id)}</code></pre>`,
  );
}

export function submissionPage(token: string, form: Form, submission: Submission & { deliveries: Delivery[] }, history: DeliveryAttempt[][]) {
  return layout(
    `Submission ${submission.id} — Formharbor`,
    html`${nav(token)}<h1>Submission to <a href="/admin/forms/${form.id}">${form.name}</a></h1>
<p>Received ${when(submission.createdAt)} · status <strong>${submission.status}</strong>
${submission.meta.replyTo ? html` · reply to ${submission.meta.replyTo}` : ''}
${submission.meta.spamReasons?.length ? html` · <span class="error">${submission.meta.spamReasons.join('; ')}</span>` : ''}</p>
<table>${Object.entries(submission.data).map(([name, value]) => html`<tr><th>${name}</th><td>${displayValue(value)}</td></tr>`)}</table>
<form method="post" action="/admin/submissions/${submission.id}/status">${csrfField(token)}
<label for="status">Move to</label><select id="status" name="status">${['inbox', 'spam', 'archived'].map((s) => html`<option value="${s}" ${submission.status === s ? 'selected' : ''}>${s}</option>`)}</select>
<button type="submit">Save</button></form>
<h2>Deliveries</h2>
${submission.deliveries.length === 0 ? html`<p class="muted">No notification (spam is never mailed).</p>` : ''}
${submission.deliveries.map(
  (d, i) => html`<section><h3>Email to ${d.recipients.join(', ')}: ${d.status}</h3>
<p>${d.attempts} attempt(s) · Message-ID ${d.messageId}${d.status === 'pending' ? html` · next try ${when(d.nextAttemptAt)}` : ''}${d.sentAt ? html` · sent ${when(d.sentAt)}` : ''}</p>
${d.lastError ? html`<p class="error">Last reply: ${d.lastError}</p>` : ''}
<table><tr><th>Attempt</th><th>Outcome</th><th>Server reply</th></tr>
${(history[i] ?? []).map((a) => html`<tr><td>${when(a.at)}</td><td>${a.outcome}</td><td>${a.reply}</td></tr>`)}</table>
${d.status === 'sending' ? '' : html`<form method="post" action="/admin/deliveries/${d.id}/retry">${csrfField(token)}<button type="submit">${d.status === 'sent' ? 'Send again' : 'Retry now'}</button></form>`}
</section>`,
)}`,
  );
}

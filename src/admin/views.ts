import { html } from 'hono/html';
import { submissionStatuses, type Delivery, type DeliveryAttempt, type DeliveryStatus, type Form, type Submission } from '../db/schema.ts';
import type { SubmissionStatus } from '../db/submissions.ts';
import { displayValue, visibleControls } from '../mail/render.ts';
import { embedSnippet } from '../demo.ts';
import { layout } from '../pages.ts';
import { spamReasonWords } from './present.ts';

export const when = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC');

/** Text someone else wrote: isolated from its neighbours, its direction controls made visible. */
export const theirs = (value: unknown) => html`<bdi>${visibleControls(displayValue(value))}</bdi>`;

const PREVIEW_LENGTH = 120;

/** The start of each value in turn, cut by code point so a character is never split. */
function preview(data: Submission['data']) {
  let left = PREVIEW_LENGTH;
  const parts = [];
  for (const value of Object.values(data)) {
    if (left <= 0) break;
    const characters = Array.from(displayValue(value)).slice(0, left);
    left -= characters.length + 3;
    parts.push(html`${parts.length > 0 ? ' · ' : ''}${theirs(characters.join(''))}`);
  }
  return parts;
}

export const csrfField = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;

export const nav = (token: string) =>
  html`<nav><a href="/admin">Forms</a> · <a href="/admin/deliveries">Deliveries</a> · <a href="/admin/mail">Mail</a> · <a href="/admin/erase">Erase by email</a> · <form method="post" action="/admin/logout" style="display:inline">${csrfField(token)}<button type="submit" style="margin:0">Sign out</button></form></nav>`;

/** `next`: the admin page asked for, where signing in leads. */
export function loginPage(error?: string, next?: string) {
  return layout(
    'Sign in — Formharbor',
    html`<h1>Formharbor admin</h1>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="/admin/login">${next ? html`<input type="hidden" name="next" value="${next}">` : ''}
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button></form>`,
  );
}

/**
 * Paging links: back to the newest page once past it (the cursors only lead to older rows,
 * so "newer" is the browser's Back), and on to older rows while there are more.
 */
const pager = (newest: string | null, older: string | null, what: string) =>
  newest || older
    ? html`<p>${newest ? html`<a href="${newest}">← Newest ${what}</a>` : ''}${newest && older ? ' · ' : ''}${older ? html`<a href="${older}">Older ${what} →</a>` : ''}</p>`
    : '';

const deliverySummary = (deliveries: Delivery[]) =>
  deliveries.length === 0
    ? html`<span class="muted">not mailed</span>`
    : deliveries.map((d) => html`<span class="badge">${d.status}</span> `);

export function formPage(
  token: string,
  publicUrl: string,
  form: Form,
  rows: (Submission & { deliveries: Delivery[] })[],
  query: { q?: string; status?: SubmissionStatus; cursor?: string },
  next: string | null,
  counts: Record<SubmissionStatus, number>,
) {
  const params = (extra: Record<string, string>) =>
    new URLSearchParams({ ...extra, ...(query.q && { q: query.q }), ...(query.status && { status: query.status }) }).toString();
  const total = counts.inbox + counts.spam + counts.archived;
  const folder = (status: SubmissionStatus | undefined, label: string, n: number) =>
    query.status === status
      ? html`<strong>${label} (${n})</strong>`
      : html`<a href="/admin/forms/${form.id}${status ? `?status=${status}` : ''}">${label} (${n})</a>`;
  return layout(
    `${visibleControls(form.name)} — Formharbor`,
    html`${nav(token)}<h1>${theirs(form.name)}</h1>
<p>Recipients: ${form.recipients.join(', ')} · <a href="/admin/forms/${form.id}/edit">Edit form</a> · Export <a href="/admin/forms/${form.id}/export?format=csv">CSV</a> · <a href="/admin/forms/${form.id}/export?format=csv&amp;excel=1">CSV for Excel</a> · <a href="/admin/forms/${form.id}/export?format=json">JSON</a></p>
<p>${folder(undefined, 'All', total)} · ${folder('inbox', 'Inbox', counts.inbox)} · ${folder('spam', 'Spam', counts.spam)} · ${folder('archived', 'Archived', counts.archived)}</p>
<form method="get"><label for="q">Search</label><input id="q" name="q" value="${query.q ?? ''}">
<label for="status">Status</label><select id="status" name="status"><option value="">any</option>
${submissionStatuses.map((s) => html`<option value="${s}" ${query.status === s ? 'selected' : ''}>${s}</option>`)}</select>
<button type="submit">Search</button></form>
<table><tr><th>Received</th><th>Status</th><th>Message</th><th>Mail</th></tr>
${rows.map(
  (s) =>
    html`<tr><td><a href="/admin/submissions/${s.id}">${when(s.createdAt)}</a></td><td>${s.status}${s.meta.spamReasons?.length ? html`<br><span class="muted">${spamReasonWords(s.meta.spamReasons)}</span>` : ''}</td><td>${preview(s.data)}</td><td>${deliverySummary(s.deliveries)}</td></tr>`,
)}
</table>${rows.length > 0 ? '' : total === 0 ? html`<p class="muted">No submissions yet.</p>` : query.q ? html`<p class="muted">No submissions match. <a href="/admin/forms/${form.id}">Show all</a></p>` : html`<p class="muted">Nothing in this folder. <a href="/admin/forms/${form.id}">See all ${total}</a></p>`}
${pager(query.cursor ? `/admin/forms/${form.id}?${params({})}` : null, next && `/admin/forms/${form.id}?${params({ cursor: next })}`, 'submissions')}
<h2>Embed</h2><pre><code>${embedSnippet(publicUrl, form.id)}</code></pre>`,
  );
}

/** What the owner can do about a delivery now: nothing while it is being sent or waits for SMTP. */
function retryControl(token: string, d: Delivery) {
  if (d.status === 'sending') return '';
  if (d.status === 'held') return html`<p class="muted">Held: it goes out once the server runs with SMTP_URL set.</p>`;
  return html`<form method="post" action="/admin/deliveries/${d.id}/retry">${csrfField(token)}<button type="submit">${d.status === 'sent' ? 'Send again' : 'Retry now'}</button></form>`;
}

export function submissionPage(
  token: string,
  form: Form,
  submission: Submission & { deliveries: Delivery[] },
  history: DeliveryAttempt[][],
) {
  return layout(
    `Submission ${submission.id} — Formharbor`,
    html`${nav(token)}<h1>Submission to <a href="/admin/forms/${form.id}">${theirs(form.name)}</a></h1>
<p>Received ${when(submission.createdAt)} · status <strong>${submission.status}</strong>
${submission.meta.replyTo ? html` · reply to ${submission.meta.replyTo}` : ''}
${submission.meta.spamReasons?.length ? html` · <span class="error">Spam because: ${spamReasonWords(submission.meta.spamReasons)}</span>` : ''}</p>
${submission.meta.captchaUnchecked ? html`<p class="error">The captcha could not be checked (${submission.meta.captchaUnchecked}): the message was kept and mailed unchecked.</p>` : ''}
<table>${Object.entries(submission.data).map(([name, value]) => html`<tr><th>${theirs(name)}</th><td>${theirs(value)}</td></tr>`)}</table>
<form method="post" action="/admin/submissions/${submission.id}/status">${csrfField(token)}
<label for="status">Move to</label><select id="status" name="status">${['inbox', 'spam', 'archived'].map((s) => html`<option value="${s}" ${submission.status === s ? 'selected' : ''}>${s}</option>`)}</select>
<button type="submit">Save</button></form>
<form method="post" action="/admin/submissions/${submission.id}/delete">${csrfField(token)}
<label><input type="checkbox" name="confirm" value="yes" required style="width:auto"> Delete this submission and its deliveries for good</label>
<button type="submit">Delete</button></form>
<h2>Deliveries</h2>
${submission.deliveries.length === 0 ? html`<p class="muted">No notification: it arrived as spam, and spam is never mailed.</p>` : ''}
${submission.deliveries.map(
  (d, i) => html`<section><h3>Email to ${d.recipients.join(', ')}: ${d.status}</h3>
<p>${d.attempts} attempt(s) · Message-ID ${d.messageId}${d.status === 'pending' ? html` · next try ${when(d.nextAttemptAt)}` : ''}${d.sentAt ? html` · sent ${when(d.sentAt)}` : ''}</p>
${d.lastError ? html`<p class="error">Last reply: ${theirs(d.lastError)}</p>` : ''}
<table><tr><th>Attempt</th><th>Outcome</th><th>Relay</th><th>Server reply</th></tr>
${(history[i] ?? []).map((a) => html`<tr><td>${when(a.at)}</td><td>${a.outcome}</td><td>${a.relay ?? '—'}</td><td>${theirs(a.reply)}</td></tr>`)}</table>
${retryControl(token, d)}
</section>`,
)}`,
  );
}

const DELIVERY_STATUSES: DeliveryStatus[] = ['failed', 'pending', 'sending', 'held', 'sent'];

/** Deliveries across every form, so a bounce is found without opening each form. */
export function deliveriesPage(
  token: string,
  { status, cursor }: { status?: DeliveryStatus; cursor?: string },
  rows: Delivery[],
  next: string | null,
) {
  const params = (extra: Record<string, string>) => new URLSearchParams({ ...(status && { status }), ...extra }).toString();
  return layout(
    'Deliveries — Formharbor',
    html`${nav(token)}<h1>Deliveries${status ? `: ${status}` : ''}</h1>
<form method="get"><label for="status">Status</label><select id="status" name="status"><option value="">any</option>
${DELIVERY_STATUSES.map((s) => html`<option value="${s}" ${status === s ? 'selected' : ''}>${s}</option>`)}</select>
<button type="submit">Show</button></form>
<table><tr><th>Created</th><th>Status</th><th>To</th><th>Attempts</th><th>Last reply</th></tr>
${rows.map(
  (d) =>
    html`<tr><td><a href="/admin/submissions/${d.submissionId}">${when(d.createdAt)}</a></td><td>${d.status}</td><td>${d.recipients.join(', ')}</td><td>${d.attempts}</td><td>${d.lastError ? theirs(d.lastError) : ''}</td></tr>`,
)}
</table>${rows.length === 0 ? html`<p class="muted">No deliveries${status ? ` are ${status}` : ''}.</p>` : ''}
${pager(cursor ? `/admin/deliveries?${params({})}` : null, next && `/admin/deliveries?${params({ cursor: next })}`, 'deliveries')}`,
  );
}

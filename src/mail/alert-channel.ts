import { html } from 'hono/html';
import { getIncident } from '../db/incidents.ts';
import type { Delivery, Incident } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import type { SendResult } from './mailer.ts';
import { postJson } from './post-json.ts';

// An alert or recovery note (mail/incidents.ts makes the rows) told to the owner: to
// ALERT_WEBHOOK_URL as Slack-style `{"text"}`, or by mail to ALERT_EMAIL through the backup relay first.

type AlertText = { subject: string; text: string };

function alertText(kind: string, incident: Incident, publicUrl: string): AlertText {
  const failedList = `${publicUrl}/admin/deliveries?status=failed`;
  const opened = new Date(incident.openedAt).toISOString();
  if (kind === 'recovery') {
    const closed = new Date(incident.closedAt ?? incident.openedAt).toISOString();
    return {
      subject: 'Formharbor: deliveries go through again',
      text: `Formharbor: deliveries go through again (the incident began ${opened} and ended ${closed}).\nDeliveries that failed in the meantime stay failed until you retry them: ${failedList}`,
    };
  }
  return {
    subject: 'Formharbor alert: deliveries are failing',
    text: `Formharbor: deliveries need your attention (since ${opened}).\n${incident.summary}\nSee them and retry: ${failedList}`,
  };
}

/** Slack reads &, < and > as markup (`<!channel>` pings everyone): a relay's words must stay words. */
const slackEscaped = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

export function alertChannel(deps: Pick<Deps, 'config' | 'db' | 'mailer'>) {
  const { config } = deps;
  return {
    async send(delivery: Delivery): Promise<SendResult> {
      const incident = await getIncident(deps.db, delivery.submissionId);
      if (!incident) return { ok: false, temporary: false, error: 'the incident was deleted' };
      const [kind = 'alert', via] = (delivery.target ?? '').split(':');
      const { subject, text } = alertText(kind, incident, config.publicUrl);
      if (via === 'webhook') {
        if (!config.alertWebhookUrl) return { ok: false, temporary: false, error: 'ALERT_WEBHOOK_URL is no longer set' };
        return postJson(new URL(config.alertWebhookUrl), JSON.stringify({ text: slackEscaped(text) }), {}, config.webhookTimeout);
      }
      if (!deps.mailer) return { ok: false, temporary: true, error: 'SMTP_URL is not configured' };
      return deps.mailer.send({
        from: config.mailFrom,
        to: delivery.recipients,
        subject,
        text,
        html: String(html`<p style="white-space:pre-wrap">${text}</p>`),
        messageId: delivery.messageId,
        date: new Date(delivery.createdAt),
        // RFC 3834: an automatic message, which auto-responders must not answer.
        headers: { 'Auto-Submitted': 'auto-generated' },
        preferBackup: true,
      });
    },
  };
}

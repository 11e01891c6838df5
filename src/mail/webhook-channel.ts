import type { Deps } from '../deps.ts';
import { isRefusedAddress } from './address-guard.ts';
import type { ChannelSender } from './channel.ts';
import type { SendResult } from './mailer.ts';
import { webhookBody } from './webhook-body.ts';
import { standardWebhookHeaders } from './webhook-signature.ts';

/** The history keeps this much of a receiver's answer: enough to read an error, not a page. */
const ANSWER_BYTES = 500;

/** The first ANSWER_BYTES of the answer, without waiting for (or holding) the rest. */
async function answerStart(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < ANSWER_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, ANSWER_BYTES));
}

/** Why `url` must not be requested now, or undefined; its host is resolved here, at send time. */
async function refusal(deps: Pick<Deps, 'config' | 'resolveHost'>, url: URL): Promise<string | undefined> {
  if (deps.config.webhookAllowPrivate) return undefined;
  if (url.protocol !== 'https:') return 'refused: only https webhook URLs (WEBHOOK_ALLOW_PRIVATE=1 allows http)';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (/^[\d.]+$/.test(host) || host.includes(':')) addresses = [host];
  else if (deps.resolveHost) addresses = await deps.resolveHost(host);
  else return undefined; // Workers: fetch cannot reach the server's private network
  if (addresses.length === 0 || addresses.some(isRefusedAddress))
    return `refused: ${host} resolves to a loopback, private or link-local address (${addresses.join(', ')})`;
  return undefined;
}

/** A form's submission posted to one of its webhooks, signed when the format is `standard`. */
export function webhookChannel(deps: Pick<Deps, 'config' | 'resolveHost' | 'now'>): ChannelSender {
  return {
    async send(delivery, source): Promise<SendResult> {
      const webhook = source.form.webhooks.find((w) => w.id === delivery.target);
      if (!webhook) return { ok: false, temporary: false, error: 'the webhook was removed from the form' };
      const url = new URL(webhook.url);
      let refused: string | undefined;
      try {
        refused = await refusal(deps, url);
      } catch (error) {
        return { ok: false, temporary: true, error: `could not resolve ${url.hostname}: ${String(error)}` };
      }
      if (refused) return { ok: false, temporary: false, error: refused };
      const now = deps.now();
      const body = webhookBody(webhook, source.form, source.submission, deps.config.publicUrl, now);
      // The delivery's id is the webhook-id: the same on every retry, so receivers can drop duplicates.
      const signed = webhook.format === 'standard' ? standardWebhookHeaders(webhook.secret, delivery.id, Math.floor(now / 1000), body) : {};
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'Formharbor-Webhooks', ...signed },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(deps.config.webhookTimeout),
        });
      } catch (error) {
        const cause = error instanceof Error && error.cause ? `: ${String(error.cause)}` : '';
        return { ok: false, temporary: true, error: `${String(error)}${cause}` };
      }
      const answer = await answerStart(response).catch((error: unknown) => `(answer not read: ${String(error)})`);
      const reply = `HTTP ${response.status}${answer ? `: ${answer}` : ''}`;
      if (response.status >= 200 && response.status < 300) return { ok: true, response: reply };
      // 410 Gone: the receiver says this webhook no longer exists. A redirect is not followed:
      // it could lead anywhere, past the address guard.
      return { ok: false, temporary: response.status !== 410, error: reply };
    },
  };
}

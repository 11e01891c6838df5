import type { Deps } from '../deps.ts';
import { refusedResolution } from './address-guard.ts';
import type { ChannelSender } from './channel.ts';
import type { SendResult } from './mailer.ts';
import { postJson } from './post-json.ts';
import { webhookBody } from './webhook-body.ts';
import { standardWebhookHeaders } from './webhook-signature.ts';

/** Why `url` must not be requested now, or undefined; its host is resolved here, at send time. */
async function refusal(deps: Pick<Deps, 'config' | 'resolveHost'>, url: URL): Promise<string | undefined> {
  if (deps.config.webhookAllowPrivate) return undefined;
  if (url.protocol !== 'https:') return 'refused: only https webhook URLs (WEBHOOK_ALLOW_PRIVATE=1 allows http)';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (/^[\d.]+$/.test(host) || host.includes(':')) addresses = [host];
  else if (deps.resolveHost) addresses = await deps.resolveHost(host);
  else return undefined; // Workers: fetch cannot reach the server's private network
  return refusedResolution(host, addresses);
}

/** A form's submission posted to one of its webhooks, signed when the format is `standard`. */
export function webhookChannel(deps: Pick<Deps, 'config' | 'resolveHost' | 'fetchWebhook' | 'now'>): ChannelSender {
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
      return postJson(url, body, signed, deps.config.webhookTimeout, deps.fetchWebhook);
    },
  };
}

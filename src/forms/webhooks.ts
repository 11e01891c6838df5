import { z } from 'zod';
import type { WebhookSpec } from '../db/schema.ts';
import { AppError, type FieldsSaid } from '../errors.ts';
import { translator } from '../i18n/index.ts';
import { ulid } from '../ids.ts';
import { isRefusedAddress } from '../mail/address-guard.ts';
import { newWebhookSecret } from '../mail/webhook-signature.ts';

/** A webhook as the API and the CLI accept it: the id and the secret are made when absent. */
export const webhookInput = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, _ and - (at most 64)')
    .optional(),
  url: z
    .string()
    .max(2048)
    .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), 'must be an https URL'),
  secret: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/, 'must be whsec_ followed by base64 (at least 12 bytes)')
    .optional(),
  format: z.enum(['standard', 'slack', 'discord']).default('standard'),
});

export const webhooksInput = z
  .array(webhookInput)
  .max(20)
  .refine(
    (list) => new Set(list.flatMap((w) => (w.id ? [w.id] : []))).size === list.filter((w) => w.id).length,
    'webhook ids must be unique',
  );

export type WebhookInput = z.infer<typeof webhookInput>;

/**
 * Refuses what the configuration forbids: http: and literal private addresses unless
 * WEBHOOK_ALLOW_PRIVATE=1. Names are resolved and checked again at every send (a name may
 * point elsewhere by then); this only answers the owner early.
 */
export function checkWebhookTargets(webhooks: WebhookInput[], allowPrivate: boolean): void {
  if (allowPrivate) return;
  const english = translator('en');
  const fields: Record<string, string[]> = {};
  const fieldsSaid: FieldsSaid = {};
  webhooks.forEach((webhook, i) => {
    const url = new URL(webhook.url);
    const problem =
      url.protocol !== 'https:'
        ? 'issue.url'
        : /^[\d.]+$|^\[/.test(url.hostname) && isRefusedAddress(url.hostname)
          ? 'issue.privateAddress'
          : url.hostname === 'localhost' || url.hostname.endsWith('.localhost')
            ? 'issue.thisMachine'
            : undefined;
    if (problem) {
      fields[`webhooks.${i}.url`] = [english(problem)];
      fieldsSaid[`webhooks.${i}.url`] = [{ key: problem }];
    }
  });
  if (Object.keys(fields).length > 0) throw new AppError('validation', 'Some fields are not valid', { fields, fieldsSaid });
}

/** The webhooks to store: each gets an id and keeps its stored secret (matched by id) or a new one. */
export function webhooksToStore(webhooks: WebhookInput[], stored: WebhookSpec[], now: number): WebhookSpec[] {
  return webhooks.map((webhook) => {
    const id = webhook.id ?? ulid(now);
    const secret = webhook.secret ?? stored.find((s) => s.id === id)?.secret ?? newWebhookSecret();
    return { id, url: webhook.url, secret, format: webhook.format };
  });
}

/** A webhook as the API shows it: the secret is write-only, shown only in the answer that created it. */
export const presentWebhook = (webhook: WebhookSpec, showSecret: boolean) => ({ ...webhook, secret: showSecret ? webhook.secret : 'set' });

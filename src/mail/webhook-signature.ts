import { createHmac } from 'node:crypto';

// Standard Webhooks (https://www.standardwebhooks.com): the receiver recomputes the HMAC over
// "id.timestamp.body" with the secret's bytes, and may reject a timestamp too far from its clock.

const PREFIX = 'whsec_';

/** A new secret as the spec writes it: `whsec_` and 24 random bytes in base64. */
export function newWebhookSecret(): string {
  return PREFIX + Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64');
}

/** The headers that sign `body`; `id` stays the same on every retry so the receiver can drop duplicates. */
export function standardWebhookHeaders(secret: string, id: string, timestampSeconds: number, body: string): Record<string, string> {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': `v1,${signature}` };
}

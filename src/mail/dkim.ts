import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';

/** What nodemailer's `dkim` option takes; null when signing is off. */
export type DkimKey = { domainName: string; keySelector: string; privateKey: string };

/**
 * The PEM as it arrives from an env file or a secret store: one line with `\n` escapes is
 * accepted, because many of those cannot hold a multi-line value.
 */
export const unescapePem = (text: string) => text.replace(/\\n/g, '\n').trim() + '\n';

/** Why the key cannot sign, or undefined when node:crypto reads it as a private key. */
export function privateKeyProblem(pem: string): string | undefined {
  try {
    const key = createPrivateKey(pem);
    // The published record says k=rsa, and RSA is what every receiver verifies.
    return key.asymmetricKeyType === 'rsa' ? undefined : `is a ${key.asymmetricKeyType} key: DKIM here signs with RSA`;
  } catch (error) {
    return `is not a PEM private key (${(error as Error).message.split('\n')[0]}): run \`npx formharbor dkim generate\``;
  }
}

/** The `p=` value of the DKIM record: the public key's SubjectPublicKeyInfo, base64 DER. */
export function publicKeyRecordValue(privateKeyPem: string): string {
  return createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' }).toString('base64');
}

/** The TXT record that publishes a key: `v=DKIM1; k=rsa; p=…`. */
export const dkimRecord = (privateKeyPem: string) => `v=DKIM1; k=rsa; p=${publicKeyRecordValue(privateKeyPem)}`;

/** A new RSA-2048 key and the record to publish at `selector._domainkey.domain`. */
export function generateDkimKey(domain: string, selector: string) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { privateKey: pem, name: `${selector}._domainkey.${domain}`, record: dkimRecord(pem) };
}

/**
 * The options nodemailer signs with, the key parsed once: handed the PEM, node:crypto would
 * parse it again for every message (~0.8 ms of a 1.1 ms signature here).
 */
export function dkimSigner(dkim: DkimKey) {
  return { domainName: dkim.domainName, keySelector: dkim.keySelector, privateKey: createPrivateKey(dkim.privateKey) as unknown as string };
}

/**
 * Where a message points: every http(s) URL, `www.` name and bare domain under a common
 * top-level domain, counted once each. Bare domains are limited to a list of TLDs because a
 * sentence run together ("Hello.My name") must not count as a link; an address after `@`
 * is the sender's email, not a link.
 */
const TLDS = [
  'com',
  'net',
  'org',
  'info',
  'biz',
  'io',
  'co',
  'app',
  'dev',
  'xyz',
  'top',
  'site',
  'online',
  'shop',
  'store',
  'club',
  'live',
  'link',
  'click',
  'win',
  'bid',
  'loan',
  'vip',
  'icu',
  'buzz',
  'fun',
  'me',
  'us',
  'uk',
  'de',
  'fr',
  'ru',
  'cn',
  'in',
  'br',
  'pl',
  'nl',
  'it',
  'es',
  'eu',
  'tk',
  'ml',
  'ga',
  'cf',
  'gq',
  'ly',
  'to',
  'cc',
  'ws',
  'su',
  'ua',
].join('|');

const LINK = new RegExp(
  String.raw`https?:\/\/[^\s<>"']+|(?<![\w@.-])www\.[a-z0-9-]+(?:\.[a-z0-9-]+)+|(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:${TLDS})(?![\w-])`,
  'gi',
);

/** Counts links across every text value; stops counting once past `limit`, so a huge body costs no more than needed. */
export function countLinks(texts: readonly string[], limit = Infinity): number {
  let count = 0;
  for (const text of texts) {
    // Cheap pre-check: no dot means no URL and no domain.
    if (!text.includes('.')) continue;
    LINK.lastIndex = 0;
    while (LINK.exec(text)) if (++count > limit) return count;
  }
  return count;
}

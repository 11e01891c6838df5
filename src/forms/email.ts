// A deliberately plain address: no quotes, comments, groups or display names, which
// address parsers disagree on (the root of several mailer CVEs). Length is capped
// before the regex so hostile input is rejected in linear time.
const PLAIN_ADDRESS =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function isPlainAddress(text: string): boolean {
  // `=?` could start an RFC 2047 encoded word, which some parsers decode inside an address.
  return text.length <= 254 && PLAIN_ADDRESS.test(text) && !text.startsWith('.') && !text.includes('..') && !text.includes('=?');
}

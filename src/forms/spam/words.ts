/**
 * Blocked words, matched case- and accent-insensitively ("viagra" finds "VIÁGRA") as whole
 * words ("sex" does not flag "Essex"). Chinese, Japanese and Thai are written without spaces
 * between words, so a blocked word in those scripts matches anywhere inside the text.
 */

/** Lower case without accents: "Müller" → "muller". ASCII text skips the Unicode work. */
export function foldText(text: string): string {
  if (/^[\x00-\x7f]*$/.test(text)) return text.toLowerCase();
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export type WordMatcher = (foldedText: string) => boolean;

/** One regex for the whole list, built once per form settings. */
export function wordMatcher(words: readonly string[]): WordMatcher {
  const folded = words.map((word) => foldText(word.trim())).filter((word) => word.length > 0);
  if (folded.length === 0) return () => false;
  const spaced = folded.filter((word) => !UNSPACED.test(word)).map(escape);
  const unspaced = folded.filter((word) => UNSPACED.test(word)).map(escape);
  const parts = [...(spaced.length > 0 ? [String.raw`(?<![\p{L}\p{N}])(?:${spaced.join('|')})(?![\p{L}\p{N}])`] : []), ...unspaced];
  const pattern = new RegExp(parts.join('|'), 'u');
  return (text) => pattern.test(text);
}

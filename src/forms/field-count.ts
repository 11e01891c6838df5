import { AppError } from '../errors.ts';

// What one submission may hold. Each cap is checked by counting separators in the raw text
// BEFORE a parser builds anything: a 1 MB JSON body with 96k keys cost ~160 ms of CPU to
// parse, only to be refused afterwards (docs/security.md, "Costly bodies").
export const MAX_FIELDS = 300;
export const MAX_ARRAY_ITEMS = 200;
/** Name/value pairs (or parts) in a form post: repeated names make lists, so a few per field. */
export const MAX_PAIRS = MAX_FIELDS * 4;
/** Values in all lists of a JSON body together: every field a full list, never more. */
const MAX_LIST_VALUES = MAX_FIELDS * MAX_ARRAY_ITEMS;

export function tooMany(message = `At most ${MAX_FIELDS} fields are accepted`): never {
  throw new AppError('too_large', message);
}

/** True when `needle` occurs more than `cap` times in `text`; stops looking there. */
export function occursMoreThan(text: string, needle: string, cap: number): boolean {
  let at = -1;
  for (let seen = 0; seen <= cap; seen++) {
    at = text.indexOf(needle, at + 1);
    if (at === -1) return false;
  }
  return true;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

/** The index of the quote closing the string opened at `start` (an escaped quote does not close it). */
function endOfString(text: string, start: number): number {
  for (let end = text.indexOf('"', start + 1); end !== -1; end = text.indexOf('"', end + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return end;
  }
  return text.length;
}

/**
 * Refuses JSON with more top-level members than MAX_FIELDS, or more values in a list than
 * MAX_ARRAY_ITEMS (or in all lists than MAX_LIST_VALUES), by counting commas outside strings:
 * it stops at the first cap passed, having built nothing. Malformed text is left for
 * JSON.parse to report.
 */
export function checkJsonCounts(text: string): void {
  // Commas seen in each open object or array; its length is the nesting depth.
  const commas: number[] = [];
  let listValues = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === QUOTE) i = endOfString(text, i);
    else if (char === OPEN_OBJECT || char === OPEN_ARRAY) commas.push(0);
    else if (char === CLOSE_OBJECT || char === CLOSE_ARRAY) commas.pop();
    else if (char === COMMA && commas.length > 0) {
      const inThis = ++commas[commas.length - 1]!;
      if (commas.length === 1) {
        if (inThis >= MAX_FIELDS) tooMany();
      } else if (inThis >= MAX_ARRAY_ITEMS || ++listValues >= MAX_LIST_VALUES) {
        tooMany(`At most ${MAX_ARRAY_ITEMS} values per field are accepted`);
      }
    }
  }
}

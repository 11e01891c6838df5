import { de } from './de.ts';
import { en, type MessageKey } from './en.ts';
import { zhTW } from './zh-TW.ts';

export type { MessageKey };
/**
 * A text that counts something: one form per plural category of the language (Intl.PluralRules
 * on `{n}`); English and German say `one` and `other`, Chinese has no plural and writes a plain string.
 */
export type PluralText = { readonly other: string } & Partial<Record<Intl.LDMLPluralRule, string>>;
export type Text = string | PluralText;
/** Every language carries every key: the compiler checks it here, test/i18n.test.ts checks the placeholders. */
export type Messages = Record<MessageKey, Text>;

/** Something to say in the reader's language: a key and its values, translated where it is shown. */
export type Said = { key: MessageKey; values?: Record<string, string | number> };

export const languages = ['en', 'zh-TW', 'de'] as const;
export type Language = (typeof languages)[number];

const catalogues: Record<Language, Messages> = { en, 'zh-TW': zhTW, de };

export const isLanguage = (value: unknown): value is Language => languages.includes(value as Language);

/** Fills `{name}` placeholders; a missing value leaves the placeholder visible rather than hiding that it is missing. */
export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

const translators = new Map<Language, Translate>();

/**
 * The language's translate function, made once per language: every request asks for one, and
 * building Intl.PluralRules cost more than the rest of choosing a language.
 */
export function translator(language: Language): Translate {
  let translate = translators.get(language);
  if (!translate) translators.set(language, (translate = newTranslator(language)));
  return translate;
}

function newTranslator(language: Language): Translate {
  const messages = catalogues[language];
  const plurals = new Intl.PluralRules(language);
  return (key, values) => {
    const text = messages[key];
    const chosen = typeof text === 'string' ? text : (text[plurals.select(Number(values?.n ?? 0))] ?? text.other);
    return chosen.replace(/\{(\w+)\}/g, (whole, name: string) => (values && name in values ? String(values[name]) : whole));
  };
}

/** A Said in the reader's words. */
export const say = (t: Translate, said: Said) => t(said.key, said.values);

/**
 * The best of our languages for an `Accept-Language` header. Traditional Chinese is asked for
 * as zh-TW, zh-HK, zh-MO or zh-Hant; plain `zh` most often means Simplified, which we do not
 * have, so it falls through to the next choice rather than showing the wrong script.
 */
export function pickLanguage(acceptLanguage: string | undefined): Language | undefined {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, order) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = Number(
        params
          .find((p) => p.trim().startsWith('q='))
          ?.trim()
          .slice(2) ?? 1,
      );
      return { tag: tag.toLowerCase(), q: Number.isFinite(q) ? q : 0, order };
    })
    .filter((entry) => entry.tag && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  for (const { tag } of ranked) {
    if (/^zh-(tw|hk|mo|hant)\b/.test(tag)) return 'zh-TW';
    if (tag === 'de' || tag.startsWith('de-')) return 'de';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return undefined;
}

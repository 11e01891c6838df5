import { describe, expect, it } from 'vitest';
import { de } from '../src/i18n/de.ts';
import { en } from '../src/i18n/en.ts';
import { pickLanguage, translator, type Text } from '../src/i18n/index.ts';
import { zhTW } from '../src/i18n/zh-TW.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('translations', () => {
  it.each([
    ['zh-TW', zhTW],
    ['de', de],
  ] as const)('should give %s exactly the English keys, each non-empty with the same placeholders', (_, messages) => {
    expect(Object.keys(messages).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      // A counted text has a form per plural category; every form says the same values.
      const english = placeholders(typeof text === 'string' ? text : text.other);
      const translated = (messages as Record<string, Text>)[key]!;
      for (const form of typeof translated === 'string' ? [translated] : Object.values(translated)) {
        expect(form.trim(), key).not.toBe('');
        expect(placeholders(form), key).toEqual(english);
      }
    }
  });

  it('should give each plural text the forms its language counts with', () => {
    for (const [language, messages] of [
      ['en', en],
      ['de', de],
      ['zh-TW', zhTW],
    ] as const) {
      const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories.sort();
      for (const [key, text] of Object.entries(messages as Record<string, Text>)) {
        if (typeof text !== 'string') expect(Object.keys(text).sort(), `${language} ${key}`).toEqual(categories);
      }
    }
  });

  it('should count one and two in English and German, and not at all in Chinese', () => {
    expect([1, 2].map((n) => translator('en')('bulk.confirmButton', { n }))).toEqual(['Yes, 1 submission', 'Yes, 2 submissions']);
    expect([1, 2].map((n) => translator('de')('submission.attempts', { n }))).toEqual(['1 Versuch', '2 Versuche']);
    expect([1, 2].map((n) => translator('de')('erase.deleted', { n, email: 'a@b.de' }))).toEqual([
      '1 Nachricht mit a@b.de gelöscht.',
      '2 Nachrichten mit a@b.de gelöscht.',
    ]);
    expect([1, 2].map((n) => translator('zh-TW')('submission.attempts', { n }))).toEqual(['嘗試 1 次', '嘗試 2 次']);
  });

  it('should fill placeholders and leave an unknown one visible', () => {
    expect(translator('de')('mail.defaultSubject', { form: 'Kontakt' })).toBe('Neue Nachricht: Kontakt');
    expect(translator('en')('mail.defaultSubject')).toBe('New submission: {form}');
  });
});

describe('pickLanguage', () => {
  it.each([
    ['zh-TW,zh;q=0.9,en;q=0.8', 'zh-TW'],
    ['zh-Hant-HK', 'zh-TW'],
    ['zh-CN,zh;q=0.9,de;q=0.5', 'de'],
    ['de-DE,de;q=0.9,en;q=0.8', 'de'],
    ['fr-FR,en;q=0.5,de;q=0.7', 'de'],
    ['en-US', 'en'],
  ])('should pick the best language we have for %s', (header, language) => {
    expect(pickLanguage(header)).toBe(language);
  });

  it('should pick nothing when no listed language is ours', () => {
    expect(pickLanguage('fr, ja;q=0.5')).toBeUndefined();
    expect(pickLanguage(undefined)).toBeUndefined();
    expect(pickLanguage('de;q=0')).toBeUndefined();
  });
});

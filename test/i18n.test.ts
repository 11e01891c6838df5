import { describe, expect, it } from 'vitest';
import { de } from '../src/i18n/de.ts';
import { en } from '../src/i18n/en.ts';
import { pickLanguage, translator } from '../src/i18n/index.ts';
import { zhTW } from '../src/i18n/zh-TW.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('translations', () => {
  it.each([
    ['zh-TW', zhTW],
    ['de', de],
  ] as const)('should give %s exactly the English keys, each non-empty with the same placeholders', (_, messages) => {
    expect(Object.keys(messages).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      const translated = (messages as Record<string, string>)[key]!;
      expect(translated.trim(), key).not.toBe('');
      expect(placeholders(translated), key).toEqual(placeholders(text));
    }
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

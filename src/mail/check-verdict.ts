import { translator, type MessageKey, type Said } from '../i18n/index.ts';

// A domain check's verdict: English for the CLI and the API, keys for the admin's page.

export type CheckStatus = 'ok' | 'warn' | 'fail';
export type CheckName = 'mx' | 'spf' | 'dkim' | 'dmarc';
/** `detail` and `fix` in English (the CLI's words); `said` the same as catalogue keys, for the admin's page. */
export type DomainCheck = { name: CheckName; status: CheckStatus; detail: string; fix: string; said: { detail: Said; fix?: Said } };

const english = translator('en');
export type Values = Record<string, string | number>;

/** One check's verdict, worded once in the catalogues. */
export function verdict(name: CheckName, status: CheckStatus, detail: [MessageKey, Values?], fix?: [MessageKey, Values?]): DomainCheck {
  const said = { detail: { key: detail[0], values: detail[1] }, ...(fix && { fix: { key: fix[0], values: fix[1] } }) };
  return { name, status, detail: english(...detail), fix: fix ? english(...fix) : '', said };
}

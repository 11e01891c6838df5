import type { FieldValue, SpamReason, SpamSettings } from '../../db/schema.ts';
import { domainMatcher, type DomainMatcher } from './domains.ts';
import { ipMatcher, type IpMatcher } from './ips.ts';
import { countLinks } from './links.ts';
import { wordMatcher, type WordMatcher } from './words.ts';

/** What the content rules look at, besides the settings. */
export type Evidence = {
  values: Iterable<FieldValue>;
  replyTo: string | undefined;
  ip: string | undefined;
};

type Rules = { words: WordMatcher; domains: DomainMatcher; ips: IpMatcher };

// Built once per settings object: a form read from the cache keeps the same one, so the
// regexes and ranges are compiled once per form and change, not once per submission.
const compiled = new WeakMap<SpamSettings, Rules>();

function rulesOf(settings: SpamSettings): Rules {
  let rules = compiled.get(settings);
  if (!rules) {
    rules = {
      words: wordMatcher(settings.blockedWords),
      domains: domainMatcher(settings.blockedEmailDomains),
      ips: ipMatcher(settings.blockedIps),
    };
    compiled.set(settings, rules);
  }
  return rules;
}

function textsOf(values: Iterable<FieldValue>): string[] {
  const texts: string[] = [];
  for (const value of values) {
    if (typeof value === 'string') texts.push(value);
    else if (Array.isArray(value)) for (const item of value) if (typeof item === 'string') texts.push(item);
  }
  return texts;
}

/** The content rules' reasons, in the contract's order; empty when the message looks like a person's. */
export function judgeContent(settings: SpamSettings, evidence: Evidence): SpamReason[] {
  const reasons: SpamReason[] = [];
  const rules = rulesOf(settings);
  const wantsText = settings.maxLinks !== null || settings.blockedWords.length > 0;
  const texts = wantsText ? textsOf(evidence.values) : [];
  if (settings.maxLinks !== null && countLinks(texts, settings.maxLinks) > settings.maxLinks) reasons.push('links');
  if (settings.blockedWords.length > 0 && texts.some((text) => rules.words(text))) reasons.push('blocked_word');
  if (evidence.replyTo && rules.domains(evidence.replyTo)) reasons.push('blocked_email_domain');
  if (rules.ips(evidence.ip)) reasons.push('blocked_ip');
  return reasons;
}

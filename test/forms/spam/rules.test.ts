import { describe, expect, it } from 'vitest';
import { defaultSpamSettings, type SpamSettings } from '../../../src/db/schema.ts';
import { judgeContent } from '../../../src/forms/spam/judge.ts';
import { countLinks } from '../../../src/forms/spam/links.ts';

const settings = (over: Partial<SpamSettings>): SpamSettings => ({ ...defaultSpamSettings(), ...over });
const judge = (over: Partial<SpamSettings>, values: string[], extra: { replyTo?: string; ip?: string } = {}) =>
  judgeContent(settings(over), { values, replyTo: extra.replyTo, ip: extra.ip });

const PERSON = 'Hello, I saw your portfolio at https://example.com/work and would like a quote for a logo. Thanks, Anna';
const LONG = `${'Ich möchte gern einen Termin vereinbaren, wenn es passt. '.repeat(90)}`.slice(0, 5_000);

describe('links', () => {
  it('should count http(s) URLs, www names and bare domains in every field, but not email addresses or run-on sentences', () => {
    expect(countLinks(['see https://a.example/x and http://b.example', 'also cheap-pills.com or www.spam.example'])).toBe(4);
    expect(countLinks(['write to anna@example.com', 'Hello.My name is Anna. e.g. this, i.e. that', 'Müller.Thanks'])).toBe(0);
  });

  it('should flag more links than maxLinks and pass a person with one link', () => {
    expect(judge({ maxLinks: 1 }, [PERSON])).toEqual([]);
    expect(judge({ maxLinks: 1 }, ['buy at best-pills.com', 'and https://casino.example/win'])).toEqual(['links']);
    expect(judge({ maxLinks: 0 }, [PERSON])).toEqual(['links']);
  });
});

describe('blocked words', () => {
  const words = ['viagra', 'casino', 'buy now', '代开发票', 'müller'];

  it('should flag a blocked word in any case and with or without accents, as a whole word', () => {
    expect(judge({ blockedWords: words }, ['Cheap VIÁGRA here'])).toEqual(['blocked_word']);
    expect(judge({ blockedWords: words }, ['Best Casino!'])).toEqual(['blocked_word']);
    expect(judge({ blockedWords: words }, ['please BUY   NOW'.replace(/ +/g, ' ')])).toEqual(['blocked_word']);
    expect(judge({ blockedWords: words }, ['From Mr Muller'])).toEqual(['blocked_word']);
    expect(judge({ blockedWords: words }, ['ＣＡＳＩＮＯ bonus'])).toEqual(['blocked_word']);
    expect(judge({ blockedWords: words }, ['Visit our ca\u0301sino'])).toEqual(['blocked_word']);
    expect(judge({ blockedWords: ['e-mail (list)', 'a.b'] }, ['buy an E-Mail (List) now'])).toEqual(['blocked_word']);
    expect(judge({ blockedWords: ['a.b'] }, ['axb'])).toEqual([]);
  });

  it('should pass words that merely contain a blocked one, and names like 張偉 and Müller when not blocked', () => {
    expect(judge({ blockedWords: ['sex', 'ass'] }, ['I live in Essex and took a class', '張偉', 'Müller'])).toEqual([]);
    expect(judge({ blockedWords: words }, ['張偉 here, 我想预约一下', LONG])).toEqual([]);
  });

  it('should find a Chinese blocked word inside a sentence without spaces', () => {
    expect(judge({ blockedWords: words }, ['您好，我们可以代开发票，价格优惠。'])).toEqual(['blocked_word']);
    expect(judge({ blockedWords: ['發票'] }, ['專業代開發票'])).toEqual(['blocked_word']);
  });

  it('should find a blocked word at the very end of a 5,000-character message', () => {
    expect(judge({ blockedWords: words }, [`${LONG} casino`])).toEqual(['blocked_word']);
    expect(judge({ blockedWords: words }, [LONG])).toEqual([]);
  });
});

describe('blocked email domains', () => {
  it('should flag the Reply-To domain and its subdomains, not a look-alike', () => {
    const blocked = { blockedEmailDomains: ['spam.example', 'bücher.example'] };
    expect(judge(blocked, [], { replyTo: 'bot@spam.example' })).toEqual(['blocked_email_domain']);
    expect(judge(blocked, [], { replyTo: 'bot@MAIL.Spam.Example' })).toEqual(['blocked_email_domain']);
    expect(judge(blocked, [], { replyTo: 'x@xn--bcher-kva.example' })).toEqual(['blocked_email_domain']);
    expect(judge(blocked, [], { replyTo: 'anna@notspam.example' })).toEqual([]);
    expect(judge(blocked, [], { replyTo: 'anna@spam.example.org' })).toEqual([]);
  });
});

describe('blocked IPs', () => {
  const blockedIps = ['203.0.113.7', '198.51.100.0/24', '2001:db8:bad::/48'];

  it('should flag listed addresses and ranges, IPv4 and IPv6, and an IPv4 address written as IPv6', () => {
    for (const ip of ['203.0.113.7', '198.51.100.200', '::ffff:198.51.100.1', '2001:db8:bad:1::5']) {
      expect(judge({ blockedIps }, [], { ip })).toEqual(['blocked_ip']);
    }
  });

  it('should pass addresses outside the ranges and a missing or unparsable address', () => {
    for (const ip of ['203.0.113.8', '198.51.101.1', '2001:db8:bae::1', 'garbage', undefined]) {
      expect(judge({ blockedIps }, [], { ip })).toEqual([]);
    }
  });
});

describe('all rules together', () => {
  it('should name every rule that fired, and nothing for a form with the defaults', () => {
    const all = settings({ maxLinks: 0, blockedWords: ['casino'], blockedEmailDomains: ['spam.example'], blockedIps: ['192.0.2.0/24'] });
    expect(judgeContent(all, { values: ['casino at casino.com'], replyTo: 'a@spam.example', ip: '192.0.2.9' })).toEqual([
      'links',
      'blocked_word',
      'blocked_email_domain',
      'blocked_ip',
    ]);
    expect(judge({}, ['casino at casino.com'], { replyTo: 'a@spam.example', ip: '192.0.2.9' })).toEqual([]);
  });
});

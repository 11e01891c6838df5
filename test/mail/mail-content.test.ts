import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_FORM_ID, demoForm } from '../../src/demo.ts';
import { testApp, type TestApp } from '../support/app.ts';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../support/smtp-sink.ts';

// What visitors try in order to add headers or recipients: CR/LF (percent-encoded on the wire
// by URLSearchParams), a literal "%0d%0a" for a decoder further down, Unicode line and
// paragraph separators, NEL, and header text.
const BCC = 'Bcc: x@evil.test';
const INJECTIONS = [`\r\n${BCC}`, `%0d%0a${BCC}`, `\u2028${BCC}`, `\u2029${BCC}`, `\u0085${BCC}`, `\n${BCC}\r\nX-Evil: 1`];

/** The header block's field names, continuation lines folded back into their field. */
function headerNames(mail: ReceivedMail): string[] {
  const head = mail.raw.slice(0, mail.raw.indexOf('\r\n\r\n'));
  return head.split(/\r\n(?![ \t])/).map((line) => line.slice(0, line.indexOf(':')).toLowerCase());
}

const NOTIFICATION_HEADERS = [
  'from',
  'reply-to',
  'to',
  'subject',
  'message-id',
  'date',
  'mime-version',
  'content-type',
  'x-formharbor-submission',
];

let t: TestApp;
let smtp: SmtpSink;
beforeEach(async () => {
  smtp = await startSmtpSink();
  t = await testApp({ smtpUrl: smtp.url });
});
afterEach(async () => {
  await t.close();
  await smtp.close();
});

async function post(formId: string, body: string, contentType = 'application/x-www-form-urlencoded') {
  const res = await t.app.request(`/f/${formId}`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': contentType },
    body,
  });
  await t.settle();
  return res;
}

const urlencoded = (fields: [string, string][]) => new URLSearchParams(fields).toString();

describe('visitor input never adds a header or a recipient', () => {
  const lineBreak = /[\r\n\u0085\u2028\u2029]/;
  it.each(INJECTIONS)('keeps %j in fields, field names and _subject out of the headers and the envelope', async (injection) => {
    await t.createForm({ id: 'contact', name: 'Contact us' });
    const res = await post(
      'contact',
      urlencoded([
        ['name', `Eve${injection}`],
        ['message', `Hi${injection}`],
        // A name with a real line break is refused (next test); any other text is just a name.
        ...(lineBreak.test(injection) ? [] : ([[`field${injection}`, 'value']] as [string, string][])),
        ['_subject', `Hello${injection}`],
      ]),
    );
    expect(res.status).toBe(201);

    const [mail] = await smtp.waitFor(1);
    expect(mail!.envelope).toEqual({ from: 'forms@harbor.test', to: ['owner@site.test'] });
    expect(headerNames(mail!).sort()).toEqual(NOTIFICATION_HEADERS.filter((h) => h !== 'reply-to').sort());
    expect(mail!.parsed.to).toMatchObject({ value: [{ address: 'owner@site.test' }] });
    expect(mail!.parsed.bcc).toBeUndefined();
    expect(mail!.parsed.cc).toBeUndefined();
    expect(mail!.parsed.subject).toMatch(/^Hello.*Bcc: x@evil\.test/);
    expect(mail!.parsed.subject).not.toMatch(/[\r\n\u0085\u2028\u2029]/);
    // The visitor's text is all there, as text in the body.
    expect(mail!.parsed.text).toContain('x@evil.test');
  });

  it.each(INJECTIONS.filter((injection) => lineBreak.test(injection)))(
    'refuses a field name containing %j with 422 and mails nothing',
    async (injection) => {
      await t.createForm({ id: 'contact', name: 'Contact us' });
      const res = await post(
        'contact',
        urlencoded([
          ['name', 'Eve'],
          [`field${injection}`, 'value'],
        ]),
      );
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({
        error: 'validation',
        fields: { [`field${injection}`]: [expect.stringMatching(/line breaks/)] },
      });
      await t.outbox.run();
      expect(smtp.messages).toHaveLength(0);
    },
  );

  const addressAttacks = [...INJECTIONS, ' <x@evil.test>', ', x@evil.test', ' (comment)'].flatMap((injection) => [
    ['email', injection],
    ['_replyto', injection],
  ]);
  it.each(addressAttacks)('refuses an address in %s with %j appended and mails nothing', async (field, injection) => {
    await t.createForm({ id: 'contact', name: 'Contact us' });
    const res = await post(
      'contact',
      urlencoded([
        ['name', 'Eve'],
        [field!, `eve@example.com${injection}`],
      ]),
    );
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: 'validation', fields: { [field!]: [expect.any(String)] } });
    await t.outbox.run();
    expect(smtp.messages).toHaveLength(0);
  });

  it('leaves Reply-To out when a field named email is declared as plain text and holds more than one address', async () => {
    await t.createForm({ id: 'contact', name: 'Contact us', fields: [{ name: 'email', type: 'text', required: true }] });
    expect((await post('contact', urlencoded([['email', 'eve@example.com, evil@x.test']]))).status).toBe(201);
    const [mail] = await smtp.waitFor(1);
    expect(mail!.parsed.replyTo).toBeUndefined();
    expect(headerNames(mail!)).not.toContain('reply-to');
    expect(mail!.envelope.to).toEqual(['owner@site.test']);
    expect(mail!.parsed.text).toContain('eve@example.com, evil@x.test');
  });

  it('puts a valid _replyto alone in Reply-To', async () => {
    await t.createForm({ id: 'contact', name: 'Contact us' });
    expect((await post('contact', JSON.stringify({ name: 'Eve', _replyto: 'eve@example.com' }), 'application/json')).status).toBe(201);
    const [mail] = await smtp.waitFor(1);
    expect(mail!.parsed.replyTo?.value).toEqual([{ address: 'eve@example.com', name: '' }]);
    expect(mail!.envelope.to).toEqual(['owner@site.test']);
    expect(headerNames(mail!).sort()).toEqual([...NOTIFICATION_HEADERS].sort());
  });
});

describe('the subject', () => {
  it('fills {{field}} placeholders from the submission on one line', async () => {
    await t.createForm({ id: 'contact', name: 'Contact us', subject: 'From {{name}} about {{ topic }}{{missing}}' });
    const body = urlencoded([
      ['name', `Eve\r\n${BCC}\u2028X-Evil: 1`],
      ['topic[]', 'pricing'],
      ['topic[]', 'support'],
      ['_subject', 'ignored when the form has a template'],
    ]);
    expect((await post('contact', body)).status).toBe(201);

    const [mail] = await smtp.waitFor(1);
    expect(mail!.parsed.subject).toBe('From Eve Bcc: x@evil.test X-Evil: 1 about pricing, support');
    expect(headerNames(mail!)).not.toContain('bcc');
    expect(headerNames(mail!)).not.toContain('x-evil');
    expect(mail!.envelope.to).toEqual(['owner@site.test']);
  });

  it('uses _subject, else "New submission: <form name>"', async () => {
    await t.createForm({ id: 'contact', name: 'Contact us' });
    // Placeholders are the owner's tool: in a visitor's _subject they stay text.
    await post(
      'contact',
      urlencoded([
        ['name', 'Eve'],
        ['_subject', 'Quote request {{name}}'],
      ]),
    );
    await post('contact', urlencoded([['name', 'Eve']]));
    const [first, second] = await smtp.waitFor(2);
    expect([first!.parsed.subject, second!.parsed.subject].sort()).toEqual(['New submission: Contact us', 'Quote request {{name}}']);
  });

  it('shows direction controls in the body as [U+…] text, so one field cannot reverse the next', async () => {
    await t.createForm({ id: 'contact', name: 'Contact \u202eus' });
    await post(
      'contact',
      urlencoded([
        ['name', '\u202eEve\u2066'],
        ['order\u202e', '1234'],
      ]),
    );
    const [mail] = await smtp.waitFor(1);
    for (const part of [mail!.parsed.text!, String(mail!.parsed.html)]) {
      expect(part).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
      expect(part).toContain('[U+202E]Eve[U+2066]');
      expect(part).toContain('order[U+202E]');
      expect(part).toContain('New submission to Contact [U+202E]us');
    }
  });

  it('drops direction overrides, which would reverse the rest of the line, and cuts long ones between characters', async () => {
    await t.createForm({ id: 'contact', name: 'Contact us', subject: 'From {{name}} about {{topic}}' });
    await post(
      'contact',
      urlencoded([
        ['name', '\u202eEve\u2066'],
        ['topic', `${'x'.repeat(190)}😀😀😀😀😀😀😀😀`],
      ]),
    );
    const [mail] = await smtp.waitFor(1);
    // 'From Eve about ' is 15 characters: 185 more fit in 200.
    expect(mail!.parsed.subject).toBe(`From Eve about ${'x'.repeat(185)}`);
    await post(
      'contact',
      urlencoded([
        ['name', 'Eve'],
        ['topic', `${'x'.repeat(184)}😀😀`],
      ]),
    );
    const [, second] = await smtp.waitFor(2);
    expect(second!.parsed.subject).toBe(`From Eve about ${'x'.repeat(184)}😀`);
  });

  it.each([
    ['a Q-encoded line break', '=?UTF-8?Q?Hi=0D=0ABcc:_evil@x.test?='],
    ['a B-encoded one among other text', 'Re: =?UTF-8?B?SGkNCkJjYzogZXZpbEB4LnRlc3Q=?= ünïcödé ' + 'long '.repeat(20)],
  ])('shows encoded-word look-alikes in _subject as typed, not decoded (%s)', async (_, subject) => {
    await t.createForm({ id: 'contact', name: 'Contact us' });
    await post(
      'contact',
      urlencoded([
        ['name', 'Eve'],
        ['_subject', subject],
      ]),
    );
    const [mail] = await smtp.waitFor(1);
    expect(mail!.parsed.subject).toBe(subject.trim());
    expect(headerNames(mail!)).not.toContain('bcc');
  });
});

describe('markup in submissions', () => {
  const payloads = {
    script: '<script>alert(1)</script>',
    img: '<img src=x onerror=alert(1)>',
    link: 'javascript:alert(document.cookie)',
    anchor: '<a href="javascript:alert(1)">click</a>',
    svg: '<svg onload=alert(1)><script>alert(2)</script></svg>',
    quotes: `"><body onload=alert(1) '`,
  };

  it('is escaped in the HTML part and left as plain text in the text part', async () => {
    await t.createForm({ id: 'contact', name: 'Contact us' });
    const fields: [string, string][] = [...Object.entries(payloads), ['<b onmouseover=alert(1)>field</b>', 'named with markup']];
    expect((await post('contact', urlencoded(fields))).status).toBe(201);

    const [mail] = await smtp.waitFor(1);
    const html = String(mail!.parsed.html);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;svg onload=alert(1)&gt;');
    expect(html).toContain('&lt;b onmouseover=alert(1)&gt;field&lt;/b&gt;');
    expect(html).not.toMatch(/<(script|img|svg|b)\b/i);
    // The only link is the one to the admin.
    expect([...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1])).toEqual([
      expect.stringMatching(/^http:\/\/harbor\.test\/admin\/submissions\//),
    ]);

    for (const value of Object.values(payloads)) expect(mail!.parsed.text).toContain(value);
    expect(mail!.parsed.text).toContain('<b onmouseover=alert(1)>field</b>:\nnamed with markup');
  });
});

describe('the demo form (security row 38)', () => {
  it("should mark a demo notification's subject and body, a visitor's _subject included", async () => {
    await t.createForm(demoForm('forms@harbor.test', 'http://harbor.test'));
    const res = await post(
      DEMO_FORM_ID,
      urlencoded([
        ['name', 'IT desk'],
        ['email', 'it@evil.test'],
        ['message', 'Your mailbox is full: sign in at https://evil.test'],
        ['_subject', 'Action required: your mailbox is full'],
      ]),
    );
    expect(res.status).toBe(201);
    const [mail] = await smtp.waitFor(1);
    expect(mail!.parsed.subject).toBe('[Formharbor demo] Action required: your mailbox is full');
    expect(mail!.parsed.text).toContain("Sent through the demo form on Formharbor's own page, which anyone can fill in");
    expect(mail!.parsed.html).toContain('Sent through the demo form');
  });

  it('should leave the subject of any other form as the visitor typed it', async () => {
    await t.createForm({ id: 'contact', name: 'Contact us' });
    await post('contact', urlencoded([['_subject', 'Hello']]));
    const [mail] = await smtp.waitFor(1);
    expect(mail!.parsed.subject).toBe('Hello');
    expect(mail!.parsed.text).not.toContain('demo form');
  });
});

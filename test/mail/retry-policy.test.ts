import { describe, expect, it } from 'vitest';
import { attemptOutcome, nextState, outcomeOf, type Outcome } from '../../src/mail/retry-policy.ts';

// The policy alone: no server, no database, no clock but the numbers given.

const MINUTE = 60_000;
const policy = { retrySchedule: [1 * MINUTE, 5 * MINUTE, 60 * MINUTE], maxAge: 5 * 24 * 60 * MINUTE };
const START = Date.UTC(2026, 0, 1);
const delivery = (attempts: number, retrySince = START, deliveredTo: string[] = []) => ({ attempts, retrySince, deliveredTo });
const to = ['owner@site.test', 'team@site.test'];
const temporary: Outcome = { ok: false, temporary: true, error: '451 4.3.0 try later', reply: '451 4.3.0 try later' };
const permanent: Outcome = { ok: false, temporary: false, error: '550 5.1.1 no such user', reply: '550 5.1.1 no such user' };

describe('outcomeOf', () => {
  it('should read an accepted message as sent, with the server reply', () => {
    expect(outcomeOf({ ok: true, response: '250 2.0.0 queued' })).toEqual({ ok: true, reply: '250 2.0.0 queued' });
  });

  it('should read a failure as it was classified, its error as the reply', () => {
    expect(outcomeOf({ ok: false, temporary: true, error: 'ECONNREFUSED: connect' })).toEqual({
      ok: false,
      temporary: true,
      error: 'ECONNREFUSED: connect',
      reply: 'ECONNREFUSED: connect',
    });
  });

  it('should read a message refused for some recipients as failed for them alone', () => {
    const outcome = outcomeOf({
      ok: true,
      response: '250 OK',
      refused: [{ recipient: 'team@site.test', temporary: false, error: '550 5.1.1 no such user' }],
    });
    expect(outcome).toEqual({
      ok: false,
      temporary: false,
      error: '550 5.1.1 no such user (team@site.test)',
      reply: '250 OK; refused 550 5.1.1 no such user (team@site.test)',
      recipients: ['team@site.test'],
    });
  });

  it('should call a partial refusal temporary when any refused recipient may be retried', () => {
    const outcome = outcomeOf({
      ok: true,
      response: '250 OK',
      refused: [
        { recipient: 'a@site.test', temporary: false, error: '550 no' },
        { recipient: 'b@site.test', temporary: true, error: '452 mailbox full' },
      ],
    });
    expect(outcome.ok === false && outcome.temporary).toBe(true);
  });

  it('should name each outcome as the timeline shows it', () => {
    expect([{ ok: true, reply: '250' } as Outcome, temporary, permanent].map(attemptOutcome)).toEqual(['sent', 'temporary', 'permanent']);
  });
});

describe('nextState', () => {
  it('should mark a delivery sent to everyone addressed', () => {
    expect(nextState(delivery(1), { ok: true, reply: '250' }, START, to, policy)).toEqual({
      status: 'sent',
      sentAt: START,
      lastError: null,
      nextAttemptAt: null,
      recipients: to,
      deliveredTo: to,
    });
  });

  it('should wait the schedule step of the attempt after a temporary failure', () => {
    expect(nextState(delivery(1), temporary, START, to, policy)).toMatchObject({ status: 'pending', nextAttemptAt: START + 1 * MINUTE });
    expect(nextState(delivery(2), temporary, START, to, policy)).toMatchObject({ status: 'pending', nextAttemptAt: START + 5 * MINUTE });
  });

  it('should repeat the last step of the schedule once it runs out', () => {
    for (const attempts of [3, 4, 40]) {
      expect(nextState(delivery(attempts), temporary, START, to, policy).nextAttemptAt).toBe(START + 60 * MINUTE);
    }
  });

  it('should fail a permanent refusal at once, keeping the reply', () => {
    expect(nextState(delivery(1), permanent, START, to, policy)).toMatchObject({
      status: 'failed',
      lastError: '550 5.1.1 no such user',
      nextAttemptAt: null,
    });
  });

  it('should fail a temporary failure once DELIVERY_MAX_AGE has passed since the retries began', () => {
    const now = START + policy.maxAge;
    expect(nextState(delivery(9, START), temporary, now - 1, to, policy).status).toBe('pending');
    expect(nextState(delivery(9, START), temporary, now, to, policy)).toMatchObject({ status: 'failed', nextAttemptAt: null });
  });

  it('should count the max age from a manual retry, not from the first attempt', () => {
    const retriedLater = START + policy.maxAge;
    expect(nextState(delivery(9, retriedLater), temporary, retriedLater + MINUTE, to, policy).status).toBe('pending');
  });

  it('should address only the refused after a partial refusal, and remember who accepted', () => {
    const partial: Outcome = { ...temporary, recipients: ['team@site.test'] };
    expect(nextState(delivery(1), partial, START, to, policy)).toMatchObject({
      status: 'pending',
      recipients: ['team@site.test'],
      deliveredTo: ['owner@site.test'],
    });
  });

  it('should keep earlier acceptances, compared without case, when an attempt fails for everyone', () => {
    const state = nextState(delivery(2, START, ['Owner@Site.test']), temporary, START, ['team@site.test'], policy);
    expect(state).toMatchObject({ recipients: ['team@site.test'], deliveredTo: ['Owner@Site.test'] });
  });

  it('should add those who accepted now to those who accepted before', () => {
    const state = nextState(delivery(2, START, ['owner@site.test']), { ok: true, reply: '250' }, START, ['TEAM@site.test'], policy);
    expect(state.deliveredTo).toEqual(['owner@site.test', 'TEAM@site.test']);
  });
});

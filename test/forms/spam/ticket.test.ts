import { describe, expect, it } from 'vitest';
import { issueTicket, judgeTicket, TICKET_MAX_AGE_MS } from '../../../src/forms/spam/ticket.ts';

const SECRET = 'server-secret';
const T0 = Date.UTC(2026, 0, 1);

describe('ticket', () => {
  it('should pass a ticket older than minSeconds, for its own form', () => {
    const ticket = issueTicket(SECRET, 'contact', T0);
    expect(judgeTicket(SECRET, 'contact', ticket, T0 + 5_000, 5)).toBeNull();
  });

  it('should call a ticket younger than minSeconds too fast', () => {
    expect(judgeTicket(SECRET, 'contact', issueTicket(SECRET, 'contact', T0), T0 + 4_999, 5)).toBe('too_fast');
  });

  it('should refuse a forged, altered, foreign or expired ticket', () => {
    const ticket = issueTicket(SECRET, 'contact', T0);
    const [time, signature] = ticket.split('.');
    expect(judgeTicket(SECRET, 'contact', issueTicket('other-secret', 'contact', T0), T0 + 10_000, 5)).toBe('bad_ticket');
    expect(judgeTicket(SECRET, 'contact', `${(T0 - 60_000).toString(36)}.${signature}`, T0 + 10_000, 5)).toBe('bad_ticket');
    expect(judgeTicket(SECRET, 'other-form', ticket, T0 + 10_000, 5)).toBe('bad_ticket');
    expect(judgeTicket(SECRET, 'contact', `${time}.${'A'.repeat(32)}`, T0 + 10_000, 5)).toBe('bad_ticket');
    expect(judgeTicket(SECRET, 'contact', 'garbage', T0 + 10_000, 5)).toBe('bad_ticket');
    expect(judgeTicket(SECRET, 'contact', ticket, T0 + TICKET_MAX_AGE_MS + 1, 5)).toBe('bad_ticket');
    expect(judgeTicket(SECRET, 'contact', issueTicket(SECRET, 'contact', T0 + 3_600_000), T0, 0)).toBe('bad_ticket');
  });
});

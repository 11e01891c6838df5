import { describe, expect, it } from 'vitest';
import { sameList, union, without } from '../../src/mail/recipients.ts';

describe('recipient lists', () => {
  it('should remove addresses whatever their case, keeping the order of the rest', () => {
    expect(without(['a@x.test', 'B@x.test', 'c@x.test'], ['b@X.TEST'])).toEqual(['a@x.test', 'c@x.test']);
  });

  it('should join two lists without repeating an address written in other capitals', () => {
    expect(union(['a@x.test'], ['A@X.test', 'b@x.test'])).toEqual(['a@x.test', 'b@x.test']);
  });

  it('should see the same list only in the same order', () => {
    expect(sameList(['a@x.test', 'b@x.test'], ['A@x.test', 'b@X.test'])).toBe(true);
    expect(sameList(['a@x.test', 'b@x.test'], ['b@x.test', 'a@x.test'])).toBe(false);
    expect(sameList(['a@x.test'], ['a@x.test', 'b@x.test'])).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { knownLimits } from '../../src/forms/known-limits.ts';

const deps = (now: number) => ({ db: undefined as never, now: () => now });
const refused = async (limits: ReturnType<typeof knownLimits>, key: string, now: number) =>
  limits.refuseKnown(deps(now), key, 'contact', undefined).then(
    () => null,
    (error: { code: string; retryAfter: number }) => [error.code, error.retryAfter],
  );

describe('known limits', () => {
  it('should refuse until the window a count reported ends, then forget it', async () => {
    const limits = knownLimits();
    expect(limits.note('contact:a', 0, null)).toBeNull();
    expect(await refused(limits, 'contact:a', 0)).toBeNull();
    expect(limits.note('contact:a', 0, { retryAfter: 60 })).toEqual({ retryAfter: 60 });
    expect(await refused(limits, 'contact:a', 30_500)).toEqual(['rate_limited', 30]);
    expect(await refused(limits, 'contact:b', 30_500)).toBeNull();
    expect(await refused(limits, 'contact:a', 60_000)).toBeNull();
  });

  it('should stay bounded, forgetting the oldest counter first', async () => {
    const limits = knownLimits(2);
    for (const key of ['a', 'b', 'c']) limits.note(key, 0, { retryAfter: 60 });
    expect(await refused(limits, 'a', 1)).toBeNull();
    expect(await refused(limits, 'b', 1)).toEqual(['rate_limited', 60]);
    expect(await refused(limits, 'c', 1)).toEqual(['rate_limited', 60]);
  });
});

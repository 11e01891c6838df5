import { describe, expect, it } from 'vitest';
import { secretsEqual, sha256, ulid } from '../src/ids.ts';

describe('ids', () => {
  it('should make ULIDs that sort in creation order, also within one millisecond', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => ulid(1_700_000_000_000 + Math.floor(i / 100)));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
    expect(ids[0]).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('should hash with SHA-256 and compare secrets by value', () => {
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(secretsEqual('s3cret-token', 's3cret-token')).toBe(true);
    expect(secretsEqual('s3cret-token', 's3cret-tokeN')).toBe(false);
    expect(secretsEqual('', 's3cret-token')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { isRefusedAddress } from '../../src/mail/address-guard.ts';

// Only the guard function sees these addresses: no request is ever made to them.
describe('the webhook address guard', () => {
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '::1',
    '[::1]',
    '0.0.0.0',
    '::',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:a9fe:a9fe',
    '::ffff:192.168.0.1',
    '0:0:0:0:0:ffff:7f00:1',
    'not-an-address',
  ])('should refuse %s', (address) => {
    expect(isRefusedAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:93.184.216.34'])(
    'should allow the public address %s',
    (address) => {
      expect(isRefusedAddress(address)).toBe(false);
    },
  );
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { networkOf } from '../../src/policy/address-prefix.js';

describe('networkOf', () => {
  it('keeps IPv4 addresses and anything that is not an IPv6 address as they are', () => {
    for (const address of [
      '203.0.113.9',
      '10.0.0.1',
      '',
      'not-an-address',
      '2001:db8::g',
      '1:2:3:4:5:6:7:8:9',
    ])
      assert.equal(networkOf(address), address);
  });

  it('maps every IPv6 address of one /64 to the same key, in every spelling', () => {
    const same = [
      '2001:db8:1:2::1',
      '2001:0db8:0001:0002:ffff:ffff:ffff:ffff',
      '2001:DB8:1:2:0:0:0:0',
      '2001:db8:1:2:a:b:c:d',
      '2001:db8:1:2::192.0.2.1',
      'fe80::1%eth0'.replace('fe80::1', '2001:db8:1:2::1'),
    ];
    for (const address of same) assert.equal(networkOf(address), '2001:db8:1:2::/64', address);
  });

  it('tells different /64s apart, including short forms', () => {
    assert.equal(networkOf('2001:db8:1:3::1'), '2001:db8:1:3::/64');
    assert.equal(networkOf('::1'), '0:0:0:0::/64');
    assert.equal(networkOf('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(networkOf('2001:db8::'), '2001:db8:0:0::/64');
    assert.equal(networkOf('::ffff:0:1'), '0:0:0:0::/64');
    assert.notEqual(networkOf('2001:db8:1:2::1'), networkOf('2001:db8:1:20::1'));
  });
});

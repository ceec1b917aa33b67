import { describe, expect, it } from 'vitest';
import { advertisedAddress } from './advertise.js';

describe('advertisedAddress', () => {
  it.each([
    ['0.0.0.0:8946', '', { addr: '127.0.0.1', port: 8946 }],
    ['0.0.0.0:7946', '', { addr: '127.0.0.1', port: 7946 }],
    ['10.1.2.3:9000', '', { addr: '10.1.2.3', port: 9000 }],
    ['0.0.0.0:9000', '192.168.1.5', { addr: '192.168.1.5', port: 9000 }],
    ['0.0.0.0:9000', '192.168.1.5:9100', { addr: '192.168.1.5', port: 9100 }],
    ['[::]:9000', '[fd00::1]:9200', { addr: 'fd00::1', port: 9200 }],
    [':9300', '', { addr: '127.0.0.1', port: 9300 }],
  ])('bind %s, advertise %j → %j', (bindAddr, advertiseAddr, expected) => {
    expect(advertisedAddress({ bindAddr, advertiseAddr })).toEqual(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { rpcListenHost } from './rpc-listen.js';

const KEY = 'kPpdjphiipNSsjd4QHWbkA==';

describe('rpcListenHost', () => {
  it('binds loopback only without --encrypt when the bind host is a wildcard', () => {
    expect(rpcListenHost({ bindAddr: '0.0.0.0:8946', encrypt: '' })).toMatchObject({ host: '127.0.0.1' });
    expect(rpcListenHost({ bindAddr: '[::]:8946', encrypt: '' }).warning).toMatch(
      /neither --encrypt nor --tls-cert is set/,
    );
  });

  it('binds every interface with --encrypt, and a named host either way (warning without a key)', () => {
    expect(rpcListenHost({ bindAddr: '0.0.0.0:8946', encrypt: KEY })).toEqual({ host: '0.0.0.0' });
    expect(rpcListenHost({ bindAddr: '10.0.0.5:8946', encrypt: KEY })).toEqual({ host: '10.0.0.5' });
    const open = rpcListenHost({ bindAddr: '10.0.0.5:8946', encrypt: '' });
    expect(open.host).toBe('10.0.0.5');
    expect(open.warning).toMatch(/without --encrypt or --tls-cert/);
  });

  it('binds every interface with mTLS (--tls-cert), which authenticates agents by certificate', () => {
    expect(rpcListenHost({ bindAddr: '0.0.0.0:8946', encrypt: '', tlsCert: '/etc/n.pem' })).toEqual({
      host: '0.0.0.0',
    });
  });
});

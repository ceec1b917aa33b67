import { describe, expect, it } from 'vitest';
import { natsConfig, servers } from './config.js';

describe('nats config', () => {
  it('parses Dkron string values with defaults', () => {
    const config = natsConfig.parse({ url: 'nats://a:4222, b:4222', subject: 'x.y', jetstream: 'true' });
    expect(config).toEqual({
      url: 'nats://a:4222, b:4222',
      subject: 'x.y',
      message: '',
      userName: '',
      password: '',
      jetstream: true,
      timeout: 10_000,
      debug: false,
    });
    expect(servers(config)).toEqual(['nats://a:4222', 'b:4222']);
  });

  it('reads debug as Dkron does: set to anything but a false word', () => {
    const base = { url: 'a:1', subject: 's' };
    expect(natsConfig.parse({ ...base, debug: 'yes' }).debug).toBe(true);
    expect(natsConfig.parse({ ...base, debug: 'false' }).debug).toBe(false);
    expect(natsConfig.parse(base).debug).toBe(false);
  });

  it('takes native JSON values where Dkron means a number or a switch', () => {
    const base = { url: 'a:1', subject: 's' };
    const native = natsConfig.parse({ ...base, debug: true, jetstream: false, timeout: 5 });
    expect(native).toEqual(natsConfig.parse({ ...base, debug: 'on', jetstream: 'false', timeout: '5' }));
    expect(native).toMatchObject({ debug: true, jetstream: false, timeout: 5000 });
  });
});

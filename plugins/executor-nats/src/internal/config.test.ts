import { describe, expect, it } from 'vitest';
import { debugOn, natsConfig, servers } from './config.js';

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
      debug: '',
    });
    expect(servers(config)).toEqual(['nats://a:4222', 'b:4222']);
  });

  it('reads debug as Dkron does: set to anything but a false word', () => {
    const base = { url: 'a:1', subject: 's' };
    expect(debugOn(natsConfig.parse({ ...base, debug: 'yes' }))).toBe(true);
    expect(debugOn(natsConfig.parse({ ...base, debug: 'false' }))).toBe(false);
    expect(debugOn(natsConfig.parse(base))).toBe(false);
  });
});

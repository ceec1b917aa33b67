import { describe, expectTypeOf, it } from 'vitest';
import {
  c,
  type DkronPlugin,
  defineExecutor,
  definePlugin,
  defineProcessor,
  type ExecuteResult,
  type InferConfig,
} from './index.js';

describe('config types flow from schemas', () => {
  it('infers required, optional and defaulted keys', () => {
    const schema = c.object({
      command: c.string(),
      shell: c.boolean().default(false),
      timeout: c.duration().optional(),
      mode: c.enum(['a', 'b']),
      headers: c.array(c.string()).optional(),
      env: c.record(c.string()).default({}),
    });
    type Config = InferConfig<typeof schema>;
    expectTypeOf<Config>().toEqualTypeOf<{
      command: string;
      shell: boolean;
      mode: 'a' | 'b';
      env: Record<string, string>;
      timeout?: number | undefined;
      headers?: string[] | undefined;
    }>();
  });

  it('infers custom values and names only declared keys in a check', () => {
    const schema = c.object(
      {
        url: c.custom({
          expected: 'a URL',
          json: { type: 'string' },
          convert: (input) => ({ ok: true, value: new URL(String(input)) }),
        }),
        codes: c
          .custom<number[]>({ expected: 'codes', json: { type: 'array' }, convert: () => ({ ok: false }) })
          .optional(),
        debug: c.boolean({ anyText: true }).default(false),
      },
      { check: (v) => (v.debug && v.codes === undefined ? { key: 'codes', message: 'x' } : undefined) },
    );
    expectTypeOf<InferConfig<typeof schema>>().toEqualTypeOf<{
      url: URL;
      debug: boolean;
      codes?: number[] | undefined;
    }>();
    // @ts-expect-error a check names a key of the shape
    c.object({ a: c.string() }, { check: () => ({ key: 'b', message: 'x' }) });
  });

  it('types req.config inside execute from the declared schema', () => {
    const exec = defineExecutor({
      name: 'echo',
      config: c.object({ text: c.string(), times: c.number({ integer: true }).default(1) }),
      async execute(req, ctx): Promise<ExecuteResult> {
        expectTypeOf(req.config).toEqualTypeOf<{ text: string; times: number }>();
        expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
        // @ts-expect-error unknown key is not in the config type
        void req.config.missing;
        return { success: true };
      },
    });
    expectTypeOf(exec.name).toEqualTypeOf<string>();
  });

  it('types processor config', () => {
    defineProcessor({
      name: 'files',
      config: c.object({ forward: c.boolean().default(false), log_dir: c.string().optional() }),
      process(execution, ctx) {
        expectTypeOf(ctx.config).toEqualTypeOf<{ forward: boolean; log_dir?: string | undefined }>();
        return execution;
      },
    });
  });

  it('a plugin is a plain object with setup', () => {
    const plugin = definePlugin({ name: 'x', apiVersion: 1, setup() {} });
    expectTypeOf(plugin).toMatchTypeOf<DkronPlugin>();
    // @ts-expect-error setup is required
    definePlugin({ name: 'y', apiVersion: 1 });
  });
});

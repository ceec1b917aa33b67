import { readFile } from 'node:fs/promises';
import {
  type DescMethod,
  fromBinary,
  fromJson,
  type JsonValue,
  toBinary,
  toJsonString,
} from '@bufbuild/protobuf';
import type { ExecuteContext, ExecuteRequest, ExecuteResult } from '@dkron-core/plugin-api';
import * as grpc from '@grpc/grpc-js';
import { type GrpcConfig, STATUS_NAMES } from './config.js';
import { findMethod, MethodNotFoundError } from './descriptors.js';
import { formatSeconds } from './format.js';
import { loadProtoFiles } from './proto-files.js';
import { ReflectionError, reflectFiles } from './reflection.js';

const identity = (b: Buffer) => b;
const SENSITIVE = /authorization|cookie|token|secret|passw|api[-_]?key/i;

/** A failure already phrased for the execution's error. */
class RunFailure extends Error {}

/** Calls one unary method; the output is the response message as JSON (Dkron's was always empty). */
export async function executeGrpc(
  request: ExecuteRequest<GrpcConfig>,
  context: ExecuteContext,
): Promise<ExecuteResult> {
  const { config } = request;
  const target = config.url;
  const where = `grpc: ${target.address}${target.path}`;
  if (context.signal.aborted) return { success: false, error: `${where}: cancelled before it started` };

  let credentials: grpc.ChannelCredentials;
  try {
    credentials = await channelCredentials(config);
  } catch (error) {
    if (error instanceof RunFailure) return { success: false, error: `${where}: ${error.message}` };
    throw error;
  }
  const client = new grpc.Client(target.address, credentials);
  const deadline = config.timeout > 0 ? Date.now() + config.timeout : Number.POSITIVE_INFINITY;
  const metadata = new grpc.Metadata();
  for (const [name, value] of config.headers) metadata.add(name.toLowerCase(), value);

  let current: { cancel(): void } | undefined;
  let cancelled = false;
  const onAbort = () => {
    cancelled = true;
    current?.cancel();
  };
  context.signal.addEventListener('abort', onAbort, { once: true });
  const phrase = (error: unknown): string => {
    if (cancelled) return `${where}: cancelled`;
    const code = (error as { code?: number }).code;
    if (code === grpc.status.DEADLINE_EXCEEDED && Date.now() >= deadline) {
      return `${where}: timed out after ${formatSeconds(config.timeout)}`;
    }
    const message = error instanceof Error ? error.message : String(error);
    return `${where}: ${redact(message, config)}`;
  };
  try {
    let method: DescMethod;
    try {
      const files =
        config.protoFiles.length > 0
          ? await loadProtoFiles(config.protoFiles, config.protoImportPaths)
          : await reflectFiles(client, target.service, { deadline }, metadata, (call) => {
              current = call;
            });
      method = findMethod(files, target.service, target.method);
    } catch (error) {
      if (error instanceof MethodNotFoundError || error instanceof ReflectionError) {
        return { success: false, error: `${where}: ${error.message}` };
      }
      if (config.protoFiles.length > 0 && !(error as { code?: number }).code) {
        return { success: false, error: `${where}: protoFiles: ${(error as Error).message}` };
      }
      return {
        success: false,
        error: `${where}: server reflection failed: ${phrase(error).slice(where.length + 2)}`,
      };
    }

    let payload: Buffer;
    try {
      payload = Buffer.from(toBinary(method.input, fromJson(method.input, config.body as JsonValue)));
    } catch (error) {
      return { success: false, error: `${where}: body: ${(error as Error).message}` };
    }
    if (cancelled) return { success: false, error: `${where}: cancelled` };

    const outcome = await new Promise<{ code: number; details: string; response?: Buffer }>((resolve) => {
      const call = client.makeUnaryRequest<Buffer, Buffer>(
        target.path,
        identity,
        identity,
        payload,
        metadata,
        { deadline },
        (error, response) => {
          if (error)
            resolve({ code: error.code ?? grpc.status.UNKNOWN, details: error.details ?? error.message });
          else
            resolve({ code: grpc.status.OK, details: '', ...(response === undefined ? {} : { response }) });
        },
      );
      current = call;
    });
    if (cancelled) return { success: false, error: `${where}: cancelled` };
    if (outcome.response !== undefined) {
      const message = fromBinary(method.output, outcome.response);
      context.output.write(`${toJsonString(method.output, message, { prettySpaces: 2 })}\n`);
    }
    if (outcome.code === config.expectCode) return { success: true };
    if (outcome.code === grpc.status.DEADLINE_EXCEEDED && Date.now() >= deadline) {
      return { success: false, error: `${where}: timed out after ${formatSeconds(config.timeout)}` };
    }
    return {
      success: false,
      error:
        `${where}: status ${outcome.code} ${STATUS_NAMES[outcome.code] ?? ''}` +
        `${outcome.details === '' ? '' : `: ${redact(outcome.details, config)}`}` +
        ` (expected ${config.expectCode} ${STATUS_NAMES[config.expectCode] ?? ''})`,
    };
  } finally {
    context.signal.removeEventListener('abort', onAbort);
    client.close();
  }
}

async function channelCredentials(config: GrpcConfig): Promise<grpc.ChannelCredentials> {
  if (!config.tlsEnable) return grpc.credentials.createInsecure();
  const read = async (key: string, path: string) => {
    if (path === '') return null;
    try {
      return await readFile(path);
    } catch (error) {
      throw new RunFailure(
        `${key}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
  };
  const [ca, cert, key] = await Promise.all([
    read('tlsRootCAsFile', config.tlsRootCAsFile),
    read('tlsCertificateFile', config.tlsCertificateFile),
    read('tlsCertificateKeyFile', config.tlsCertificateKeyFile),
  ]);
  return grpc.credentials.createSsl(ca, key, cert, {
    rejectUnauthorized: !config.tlsNoVerifyPeer,
    ...(config.tlsNoVerifyPeer ? { checkServerIdentity: () => undefined } : {}),
  });
}

/** Removes header values that may be secrets from a message the server or the client wrote. */
function redact(message: string, config: GrpcConfig): string {
  let out = message;
  for (const [name, value] of config.headers) {
    if (SENSITIVE.test(name) && value.length >= 4) out = out.replaceAll(value, '[redacted]');
  }
  return out;
}

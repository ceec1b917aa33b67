import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import type * as grpc from '@grpc/grpc-js';

/** A reflection answer that is an error (the server does not know the symbol, say). */
export class ReflectionError extends Error {}

const SERVICES = ['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'];

type Request = { kind: 'symbol' | 'file'; name: string };
type Response = { files: Uint8Array[] } | { error: { code: number; message: string } } | { other: true };

// ServerReflectionRequest: host = 1, file_by_filename = 3, file_containing_symbol = 4.
function encodeRequest(request: Request): Buffer {
  const w = new BinaryWriter();
  w.tag(request.kind === 'symbol' ? 4 : 3, WireType.LengthDelimited).string(request.name);
  return Buffer.from(w.finish());
}

// ServerReflectionResponse: file_descriptor_response = 4 { repeated bytes file_descriptor_proto = 1 },
// error_response = 7 { int32 error_code = 1, string error_message = 2 }.
function decodeResponse(bytes: Buffer): Response {
  const r = new BinaryReader(bytes);
  let out: Response = { other: true };
  while (r.pos < r.len) {
    const [no, type] = r.tag();
    if (no === 4 && type === WireType.LengthDelimited) {
      const inner = new BinaryReader(r.bytes());
      const files: Uint8Array[] = [];
      while (inner.pos < inner.len) {
        const [n, t] = inner.tag();
        if (n === 1 && t === WireType.LengthDelimited) files.push(inner.bytes());
        else inner.skip(t, n);
      }
      out = { files };
    } else if (no === 7 && type === WireType.LengthDelimited) {
      const inner = new BinaryReader(r.bytes());
      let code = 0;
      let message = '';
      while (inner.pos < inner.len) {
        const [n, t] = inner.tag();
        if (n === 1) code = inner.int32();
        else if (n === 2) message = inner.string();
        else inner.skip(t, n);
      }
      out = { error: { code, message } };
    } else r.skip(type, no);
  }
  return out;
}

/**
 * Asks the server, by gRPC server reflection (v1, then v1alpha), for the file descriptors defining
 * `symbol` and every file they import, transitively. Resolves to the serialized FileDescriptorProtos.
 * `onCall` receives the stream, so that the run can cancel it.
 */
export async function reflectFiles(
  client: grpc.Client,
  symbol: string,
  callOptions: grpc.CallOptions,
  metadata: grpc.Metadata,
  onCall: (call: { cancel(): void }) => void,
): Promise<Uint8Array[]> {
  let lastError: unknown;
  for (const service of SERVICES) {
    try {
      return await reflectWith(client, service, symbol, callOptions, metadata, onCall);
    } catch (error) {
      // 12 UNIMPLEMENTED: the server has no reflection of this version; try the next one.
      if ((error as { code?: number }).code !== 12) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

function reflectWith(
  client: grpc.Client,
  service: string,
  symbol: string,
  callOptions: grpc.CallOptions,
  metadata: grpc.Metadata,
  onCall: (call: { cancel(): void }) => void,
): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    const call = client.makeBidiStreamRequest(
      `/${service}/ServerReflectionInfo`,
      encodeRequest,
      decodeResponse,
      metadata,
      callOptions,
    );
    onCall(call);
    const files = new Map<string, Uint8Array>();
    const asked = new Set<string>();
    // Answers come in the order of the requests: the kind of each one still unanswered.
    const pending: Array<Request['kind']> = [];
    let outstanding = 0;
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      call.cancel();
      reject(error);
    };
    const ask = (request: Request) => {
      outstanding++;
      pending.push(request.kind);
      call.write(request);
    };
    call.on('data', (response: Response) => {
      outstanding--;
      const kind = pending.shift();
      // An import the server cannot serve (often a well-known type) is left to findMethod to supply.
      if ('error' in response && kind === 'symbol') {
        fail(
          new ReflectionError(
            `server reflection: ${response.error.message || `error ${response.error.code}`}`,
          ),
        );
        return;
      }
      if ('files' in response) {
        for (const bytes of response.files) {
          const { name, dependencies } = fileNameAndImports(bytes);
          files.set(name, bytes);
          for (const dep of dependencies) {
            if (!asked.has(dep)) {
              asked.add(dep);
              ask({ kind: 'file', name: dep });
            }
          }
        }
      }
      if (outstanding === 0 && !settled) {
        settled = true;
        call.end();
        resolve([...files.values()]);
      }
    });
    call.on('error', fail);
    call.on('end', () => fail(new ReflectionError('server reflection: the stream ended early')));
    ask({ kind: 'symbol', name: symbol });
  });
}

// FileDescriptorProto: name = 1, dependency = 3 (repeated string).
function fileNameAndImports(bytes: Uint8Array): { name: string; dependencies: string[] } {
  const r = new BinaryReader(bytes);
  let name = '';
  const dependencies: string[] = [];
  while (r.pos < r.len) {
    const [no, type] = r.tag();
    if (no === 1 && type === WireType.LengthDelimited) name = r.string();
    else if (no === 3 && type === WireType.LengthDelimited) dependencies.push(r.string());
    else r.skip(type, no);
  }
  return { name, dependencies };
}

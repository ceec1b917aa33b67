import { dirname } from 'node:path';

/**
 * Loads `.proto` files (for servers without reflection) and returns the serialized
 * FileDescriptorProtos of every file they define or import.
 */
export async function loadProtoFiles(
  files: readonly string[],
  importPaths: readonly string[],
): Promise<Uint8Array[]> {
  // Loaded when a job names .proto files: reflection needs no .proto parser.
  const protoLoader = await import('@grpc/proto-loader');
  const definition = await protoLoader.load([...files], {
    // The .proto's own field names: JSON accepts them and their lowerCamelCase forms.
    keepCase: true,
    includeDirs: [...importPaths, ...files.map((f) => dirname(f))],
  });
  const out = new Map<string, Uint8Array>();
  const add = (protos: Buffer[] | undefined) => {
    for (const bytes of protos ?? []) out.set(bytes.toString('base64'), bytes);
  };
  for (const entry of Object.values(definition)) {
    // Messages and enums carry the descriptors; services carry them on each method's types.
    add((entry as { fileDescriptorProtos?: Buffer[] }).fileDescriptorProtos);
    for (const method of Object.values(
      entry as Record<string, { requestType?: { fileDescriptorProtos?: Buffer[] } }>,
    )) {
      add(method?.requestType?.fileDescriptorProtos);
    }
  }
  return [...out.values()];
}

import { createFileRegistry, type DescMethod, fromBinary } from '@bufbuild/protobuf';
import type { DescriptorProto, FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { create, FileDescriptorProtoSchema, FileDescriptorSetSchema, WELL_KNOWN_FILES } from './protobuf.js';

/** A method that cannot be found in the descriptors (the message names what is missing). */
export class MethodNotFoundError extends Error {}

/** Finds `service`'s `method` among serialized FileDescriptorProtos. */
export function findMethod(files: readonly Uint8Array[], service: string, method: string): DescMethod {
  const protos = files.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
  // Deduplicated by name: reflection and proto-loader can return a file more than once.
  const set = normalize([...new Map(protos.map((p) => [p.name, p])).values()]);
  const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: set }));
  const found = registry.getService(service);
  if (found === undefined) throw new MethodNotFoundError(`service ${service} not found`);
  const m = found.methods.find((x) => x.name === method);
  if (m === undefined) throw new MethodNotFoundError(`method ${method} not found in service ${service}`);
  if (m.methodKind !== 'unary') {
    throw new MethodNotFoundError(
      `${service}/${method} is a ${m.methodKind} method; only unary methods can be called`,
    );
  }
  return m;
}

/** Fully qualified names of the types a file defines, `.pkg.Msg`. */
function definedTypes(file: FileDescriptorProto): string[] {
  const out: string[] = [];
  const walk = (scope: string, messages: DescriptorProto[], enums: Array<{ name: string }>) => {
    for (const e of enums) out.push(`${scope}.${e.name}`);
    for (const m of messages) {
      out.push(`${scope}.${m.name}`);
      walk(`${scope}.${m.name}`, m.nestedType, m.enumType);
    }
  };
  walk(file.package === '' ? '' : `.${file.package}`, file.messageType, file.enumType);
  return out;
}

const WELL_KNOWN_TYPES = new Map(
  [...WELL_KNOWN_FILES.values()].flatMap((f) => definedTypes(f).map((t) => [t, f] as const)),
);

/**
 * Makes a descriptor set that @bufbuild/protobuf accepts from what protoc, grpc-go or protobufjs wrote.
 * protobufjs (behind @grpc/proto-loader and @grpc/reflection) writes one file per package under a made-up
 * name, without the `dependency` list, and type references as they appear in the .proto (`Mood`,
 * `google.protobuf.Timestamp`). Here references are resolved with protobuf's scoping rules (innermost
 * scope first) and made fully qualified, each file's dependencies are derived from what it references,
 * and well-known types no file defines come from the library's copies.
 */
export function normalize(input: FileDescriptorProto[]): FileDescriptorProto[] {
  const files = [...input];
  const owner = new Map<string, FileDescriptorProto>();
  for (const f of files) for (const t of definedTypes(f)) owner.set(t, f);
  for (const f of files) {
    for (const dep of f.dependency) {
      const known = WELL_KNOWN_FILES.get(dep);
      if (known !== undefined && !files.some((x) => x.name === dep)) {
        files.push(known);
        for (const t of definedTypes(known)) owner.set(t, known);
      }
    }
  }

  const resolve = (scope: string, name: string): string => {
    if (name === '') return name;
    const candidates: string[] = [];
    if (name.startsWith('.')) candidates.push(name);
    else {
      const parts = scope.split('.').filter((p) => p !== '');
      for (let i = parts.length; i >= 0; i--) candidates.push(`.${[...parts.slice(0, i), name].join('.')}`);
    }
    for (const candidate of candidates) {
      if (owner.has(candidate)) return candidate;
      const wellKnown = WELL_KNOWN_TYPES.get(candidate);
      if (wellKnown !== undefined) {
        if (!files.includes(wellKnown)) files.push(wellKnown);
        for (const t of definedTypes(wellKnown)) owner.set(t, wellKnown);
        return candidate;
      }
    }
    return name;
  };

  const references = new Map<FileDescriptorProto, Set<string>>();
  const use = (file: FileDescriptorProto, scope: string, name: string): string => {
    const full = resolve(scope, name);
    if (full !== '') {
      const refs = references.get(file) ?? new Set<string>();
      refs.add(full);
      references.set(file, refs);
    }
    return full;
  };
  const fixMessage = (file: FileDescriptorProto, scope: string, m: DescriptorProto) => {
    const inner = `${scope}.${m.name}`;
    for (const field of [...m.field, ...m.extension]) {
      field.typeName = use(file, inner, field.typeName);
      field.extendee = use(file, inner, field.extendee);
      // protobufjs leaves json_name empty, which would name every field "" in JSON.
      if (field.jsonName === '') field.jsonName = jsonName(field.name);
    }
    for (const nested of m.nestedType) fixMessage(file, inner, nested);
  };
  for (const f of [...files]) {
    if ([...WELL_KNOWN_FILES.values()].includes(f)) continue;
    const scope = f.package === '' ? '' : `.${f.package}`;
    for (const m of f.messageType) fixMessage(f, scope, m);
    for (const ext of f.extension) {
      ext.typeName = use(f, scope, ext.typeName);
      ext.extendee = use(f, scope, ext.extendee);
    }
    for (const s of f.service) {
      for (const m of s.method) {
        m.inputType = use(f, scope, m.inputType);
        m.outputType = use(f, scope, m.outputType);
      }
    }
  }
  for (const [file, refs] of references) {
    for (const ref of refs) {
      const from = owner.get(ref);
      if (from !== undefined && from !== file && !file.dependency.includes(from.name))
        file.dependency.push(from.name);
    }
  }
  return dependenciesFirst(files);
}

/** The files ordered so that each comes after the files it imports (the registry wants them so). */
function dependenciesFirst(files: FileDescriptorProto[]): FileDescriptorProto[] {
  const byName = new Map(files.map((f) => [f.name, f]));
  const out: FileDescriptorProto[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (f: FileDescriptorProto) => {
    if (state.has(f.name)) return;
    state.set(f.name, 'visiting');
    for (const dep of f.dependency) {
      const d = byName.get(dep);
      if (d !== undefined) visit(d);
    }
    state.set(f.name, 'done');
    out.push(f);
  };
  for (const f of files) visit(f);
  return out;
}

/** protoc's JSON name of a field: underscores dropped, the letter after each one upper-cased. */
function jsonName(name: string): string {
  return name.replace(/_([a-z0-9])/gi, (_, c: string) => c.toUpperCase()).replaceAll('_', '');
}

import type { DescFile } from '@bufbuild/protobuf';
import {
  type FileDescriptorProto,
  file_google_protobuf_any,
  file_google_protobuf_api,
  file_google_protobuf_descriptor,
  file_google_protobuf_duration,
  file_google_protobuf_empty,
  file_google_protobuf_field_mask,
  file_google_protobuf_source_context,
  file_google_protobuf_struct,
  file_google_protobuf_timestamp,
  file_google_protobuf_type,
  file_google_protobuf_wrappers,
} from '@bufbuild/protobuf/wkt';

export { create } from '@bufbuild/protobuf';
export { FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';

/** The well-known types' files (`google/protobuf/*.proto`), by file name. */
export const WELL_KNOWN_FILES: ReadonlyMap<string, FileDescriptorProto> = new Map(
  (
    [
      file_google_protobuf_any,
      file_google_protobuf_api,
      file_google_protobuf_descriptor,
      file_google_protobuf_duration,
      file_google_protobuf_empty,
      file_google_protobuf_field_mask,
      file_google_protobuf_source_context,
      file_google_protobuf_struct,
      file_google_protobuf_timestamp,
      file_google_protobuf_type,
      file_google_protobuf_wrappers,
    ] as DescFile[]
  ).map((f) => [f.proto.name, f.proto]),
);

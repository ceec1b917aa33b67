/** Where messages go. */
export type Target = UnixTarget | NetTarget;
/** A local socket. */
export interface UnixTarget {
  readonly kind: 'unix';
  readonly path: string;
}
/** A syslog server. */
export interface NetTarget {
  readonly kind: 'udp' | 'tcp';
  readonly host: string;
  readonly port: number;
}

/** `unix:/dev/log`, `unix:///dev/log`, `/dev/log`, `udp://host:514`, `tcp://host:514`, `[::1]:514` forms. */
export const TARGET =
  /^(unix:(\/\/)?\/\S*|\/\S*|(udp|tcp):\/\/(\[[0-9a-fA-F:.]+\]|[^\s/:[\]]+)(:\d{1,5})?\/?)$/;

/** Parses a target already matched by {@link TARGET}. */
export function parseTarget(text: string): Target {
  const t = text.trim();
  if (t.startsWith('/')) return { kind: 'unix', path: t };
  if (t.startsWith('unix:')) return { kind: 'unix', path: t.replace(/^unix:(\/\/)?/, '') };
  const m = /^(udp|tcp):\/\/(\[([^\]]+)\]|[^/:]+)(?::(\d+))?\/?$/.exec(t);
  if (!m)
    throw new Error(`target ${JSON.stringify(text)} is not unix:/path, udp://host:port or tcp://host:port`);
  const port = m[4] === undefined ? 514 : Number(m[4]);
  if (port < 1 || port > 65535) throw new Error(`target ${JSON.stringify(text)}: port must be 1-65535`);
  return { kind: m[1] as 'udp' | 'tcp', host: m[3] ?? (m[2] as string), port };
}

/** The target as a person reads it, in messages. */
export function showTarget(target: Target): string {
  if (target.kind === 'unix') return `unix:${target.path}`;
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${target.kind}://${host}:${target.port}`;
}

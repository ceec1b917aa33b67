/** Syslog facilities by name (RFC 5424 §6.2.1). */
export const FACILITIES = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const;

/** A facility name. */
export type Facility = keyof typeof FACILITIES;

/** Severities used: informational for a successful execution, error for a failed one. */
export const SEVERITY = { info: 6, err: 3 } as const;

/** One syslog message to format. */
export interface SyslogMessage {
  readonly facility: Facility;
  readonly severity: keyof typeof SEVERITY;
  readonly time: Date;
  readonly hostname: string;
  readonly tag: string;
  readonly pid: number;
  /** RFC 5424 structured data, `[id name="value" …]`. */
  readonly data: Readonly<Record<string, string>>;
  readonly text: string;
}

/** The private enterprise number reserved for documentation (RFC 5612), for the SD-ID. */
export const SD_ID = 'dkron@32473';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pri(message: SyslogMessage): number {
  return FACILITIES[message.facility] * 8 + SEVERITY[message.severity];
}

/** A header field of RFC 5424: printable US-ASCII without spaces, `-` when empty, cut to `max`. */
function field(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return clean === '' ? '-' : clean;
}

/** `[dkron@32473 job="x" …]`, with `"`, `\` and `]` escaped (RFC 5424 §6.3.3). */
function structuredData(data: Readonly<Record<string, string>>): string {
  const params = Object.entries(data).map(
    ([name, value]) => `${field(name.replace(/[= "\]]/g, '_'), 32)}="${value.replace(/(["\\\]])/g, '\\$1')}"`,
  );
  return params.length === 0 ? '-' : `[${SD_ID} ${params.join(' ')}]`;
}

/** RFC 5424: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG`. */
export function formatRfc5424(message: SyslogMessage): string {
  return (
    `<${pri(message)}>1 ${message.time.toISOString()} ${field(message.hostname, 255)} ` +
    `${field(message.tag, 48)} ${message.pid} - ${structuredData(message.data)} ${message.text}`
  );
}

/** RFC 3164 (BSD): `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG`, local time as the format wants. */
export function formatRfc3164(message: SyslogMessage): string {
  const t = message.time;
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${MONTHS[t.getMonth()]} ${String(t.getDate()).padStart(2, ' ')} ${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`;
  const tag = message.tag.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 32) || 'dkron';
  return `<${pri(message)}>${stamp} ${field(message.hostname, 255)} ${tag}[${message.pid}]: ${message.text}`;
}

/**
 * The lines of an execution's output as syslog messages' texts: one message per non-empty line (a
 * syslog message is one line; receivers cut long ones, 8 KiB by rsyslog's default), each at most
 * `maxBytes` bytes of UTF-8 (a longer line continues in the next message).
 */
export function outputLines(output: string, maxBytes: number): string[] {
  const out: string[] = [];
  for (const raw of output.split(/\r?\n/)) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
    const line = raw.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
    if (line.trim() === '') continue;
    let rest = Buffer.from(line, 'utf8');
    while (rest.length > maxBytes) {
      let cut = maxBytes;
      // Never split a UTF-8 sequence: back off continuation bytes.
      while (cut > 0 && ((rest[cut] as number) & 0xc0) === 0x80) cut--;
      out.push(rest.subarray(0, cut).toString('utf8'));
      rest = rest.subarray(cut);
    }
    out.push(rest.toString('utf8'));
  }
  return out;
}

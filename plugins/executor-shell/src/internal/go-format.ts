// Go's names of signals (`syscall.Signal.String()`), so errors read like Dkron's `signal: killed`.
const GO_SIGNAL_NAMES: Readonly<Record<string, string>> = {
  SIGHUP: 'hangup',
  SIGINT: 'interrupt',
  SIGQUIT: 'quit',
  SIGILL: 'illegal instruction',
  SIGTRAP: 'trace/breakpoint trap',
  SIGABRT: 'aborted',
  SIGBUS: 'bus error',
  SIGFPE: 'floating point exception',
  SIGKILL: 'killed',
  SIGUSR1: 'user defined signal 1',
  SIGSEGV: 'segmentation fault',
  SIGUSR2: 'user defined signal 2',
  SIGPIPE: 'broken pipe',
  SIGALRM: 'alarm clock',
  SIGTERM: 'terminated',
  SIGXCPU: 'CPU time limit exceeded',
  SIGXFSZ: 'file size limit exceeded',
};

/** The error Go's `cmd.Wait()` returns for a process that ended with `code` or `signal`. */
export function exitError(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal !== null) return `signal: ${GO_SIGNAL_NAMES[signal] ?? signal}`;
  return `exit status ${code ?? -1}`;
}

const trim = (n: number): string => String(Number(n.toFixed(9)));

/** Milliseconds as Go's `time.Duration.String()` prints them: `500ms`, `30s`, `1m30s`, `1h0m0s`. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1) return abs < 0.001 ? `${sign}${trim(abs * 1e6)}ns` : `${sign}${trim(abs * 1000)}µs`;
  if (abs < 1000) return `${sign}${trim(abs)}ms`;
  const hours = Math.floor(abs / 3_600_000);
  const minutes = Math.floor((abs % 3_600_000) / 60_000);
  const seconds = (abs % 60_000) / 1000;
  const h = hours > 0 ? `${hours}h` : '';
  const m = hours > 0 || minutes > 0 ? `${minutes}m` : '';
  return `${sign}${h}${m}${trim(seconds)}s`;
}

import { createContext, type ReactNode, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { errorText } from '../lib/api';
import { formatTime, isSet } from '../lib/format';
import { followExecution } from '../lib/sse';
import type { Execution } from '../lib/types';

/** A job or execution status as a coloured badge with words (never colour alone). */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  const text = label ?? (status === '' ? 'never ran' : status.replaceAll('_', ' '));
  return <span className={`badge ${status || 'idle'}`}>{text}</span>;
}

export function executionStatus(e: Execution): string {
  if (e.status) return e.status;
  if (!isSet(e.finished_at)) return 'running';
  return e.success ? 'success' : 'failed';
}

export function Time({ value }: { value: string | null | undefined }) {
  if (!isSet(value)) return <span className="muted">—</span>;
  return (
    <time dateTime={value} title={value}>
      {formatTime(value)}
    </time>
  );
}

export function Chips({ values }: { values: Record<string, string> | null | undefined }) {
  const entries = Object.entries(values ?? {});
  if (entries.length === 0) return <span className="muted">—</span>;
  return (
    <span className="chips">
      {entries.map(([k, v]) => (
        <span className="chip" key={k}>
          {k}: {v}
        </span>
      ))}
    </span>
  );
}

export function ErrorNotice({ error }: { error: Error | undefined }) {
  if (!error) return null;
  return (
    <div className="notice error" role="alert">
      {errorText(error)}
    </div>
  );
}

/** Said where a panel would be, when the token may not read what it shows. */
export function NotAllowed({ what }: { what: string }) {
  return <p className="muted">This token may not read {what}.</p>;
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-live="polite">
      Loading {what}…
    </p>
  );
}

// ---- toasts ------------------------------------------------------------------------------

interface Toast {
  id: number;
  text: string;
  error: boolean;
}

const ToastContext = createContext<(text: string, error?: boolean) => void>(() => {});

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const seq = useRef(0);
  const push = useCallback((text: string, error = false) => {
    const id = ++seq.current;
    setToasts((t) => [...t, { id, text, error }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), error ? 8000 : 4000);
  }, []);
  return (
    <ToastContext.Provider value={push}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast${t.error ? ' error' : ''}`}>
            {t.text}
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast() {
  return useContext(ToastContext);
}

/** Runs an action and reports its outcome as a toast; resolves to whether it succeeded. */
export function useAction() {
  const toast = useToast();
  return useCallback(
    async (what: string, action: () => Promise<unknown>): Promise<boolean> => {
      try {
        await action();
        toast(what);
        return true;
      } catch (err) {
        toast(`${what} failed. ${errorText(err)}`, true);
        return false;
      }
    },
    [toast],
  );
}

// ---- confirmation ------------------------------------------------------------------------

export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirm: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onCancel={props.onCancel}>
      <h2 id="confirm-title">{props.title}</h2>
      <div>{props.children}</div>
      <div className="toolbar" style={{ marginTop: 16, justifyContent: 'flex-end' }}>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" className="danger" onClick={props.onConfirm}>
          {props.confirm}
        </button>
      </div>
    </dialog>
  );
}

// ---- tables ------------------------------------------------------------------------------

/** A region that scrolls sideways on narrow screens; focusable so that keyboards can scroll it. */
export function ScrollRegion(props: { label: string; className?: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
    <section className={`table-wrap ${props.className ?? ''}`} tabIndex={0} aria-label={props.label}>
      {props.children}
    </section>
  );
}

export function SortHeader(props: {
  field: string;
  label: string;
  sort: string;
  order: 'ASC' | 'DESC';
  onSort: (field: string, order: 'ASC' | 'DESC') => void;
  className?: string;
}) {
  const active = props.sort === props.field;
  const next = active && props.order === 'ASC' ? 'DESC' : 'ASC';
  return (
    <th
      className={props.className}
      aria-sort={active ? (props.order === 'ASC' ? 'ascending' : 'descending') : 'none'}
      scope="col"
    >
      <button type="button" className="sort" onClick={() => props.onSort(props.field, next)}>
        {props.label}
        {active ? (props.order === 'ASC' ? ' ▲' : ' ▼') : ''}
      </button>
    </th>
  );
}

export function Pager(props: {
  start: number;
  size: number;
  total: number;
  sizes?: number[];
  onChange: (start: number, size: number) => void;
}) {
  const { start, size, total } = props;
  const last = Math.min(start + size, total);
  return (
    <nav className="pager" aria-label="Pages">
      <label className="row">
        Per page
        <select value={size} onChange={(e) => props.onChange(0, Number(e.target.value))}>
          {(props.sizes ?? [10, 25, 50, 100]).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <span>
        {total === 0 ? 0 : start + 1}–{last} of {total}
      </span>
      <button
        type="button"
        disabled={start === 0}
        onClick={() => props.onChange(Math.max(0, start - size), size)}
      >
        Previous
      </button>
      <button type="button" disabled={last >= total} onClick={() => props.onChange(start + size, size)}>
        Next
      </button>
    </nav>
  );
}

// ---- output --------------------------------------------------------------------------------

/** The live output of a running execution over its SSE stream; `onDone` gets the final execution. */
export function LiveOutput(props: { job: string; id: string; onDone?: (execution: Execution) => void }) {
  const [text, setText] = useState('');
  const [state, setState] = useState<'live' | 'done' | 'error'>('live');
  const done = useRef(props.onDone);
  done.current = props.onDone;
  useEffect(() => {
    const controller = new AbortController();
    setText('');
    setState('live');
    followExecution(props.job, props.id, controller.signal, (chunk) => setText((t) => t + chunk))
      .then((final) => {
        if (controller.signal.aborted) return;
        setState('done');
        if (final) done.current?.(final as Execution);
      })
      .catch(() => {
        if (!controller.signal.aborted) setState('error');
      });
    return () => controller.abort();
  }, [props.job, props.id]);
  return (
    <div>
      <div className="row muted" aria-live="polite">
        {state === 'live' ? <StatusBadge status="running" label="live" /> : null}
        {state === 'done' ? <span>Finished.</span> : null}
        {state === 'error' ? <span>The stream ended with an error.</span> : null}
      </div>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard */}
      <pre className="output" data-testid="live-output" tabIndex={0}>
        {text || ' '}
      </pre>
    </div>
  );
}

import { useEffect, useState } from 'react';

type Pair = { k: string; v: string };

/** An editor of a string map (tags, metadata) as rows of key and value. */
export function KeyValues(props: {
  id: string;
  label: string;
  hint?: string;
  value: Record<string, string> | null;
  onChange: (value: Record<string, string> | null) => void;
  error?: string;
}) {
  const [rows, setRows] = useState<Pair[]>(() =>
    Object.entries(props.value ?? {}).map(([k, v]) => ({ k, v })),
  );
  const external = JSON.stringify(props.value ?? {});
  // biome-ignore lint/correctness/useExhaustiveDependencies: resync when the map changes from outside (JSON view)
  useEffect(() => {
    const mine = JSON.stringify(Object.fromEntries(rows.filter((r) => r.k !== '').map((r) => [r.k, r.v])));
    if (mine !== external) setRows(Object.entries(props.value ?? {}).map(([k, v]) => ({ k, v })));
  }, [external]);
  const update = (next: Pair[]) => {
    setRows(next);
    const map = Object.fromEntries(next.filter((r) => r.k.trim() !== '').map((r) => [r.k.trim(), r.v]));
    props.onChange(Object.keys(map).length === 0 ? null : map);
  };
  return (
    <fieldset className="field" id={props.id}>
      <legend className="label">{props.label}</legend>
      {rows.map((row, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
        <div className="row" key={i} style={{ marginBottom: 4 }}>
          <input
            aria-label={`${props.label} key ${i + 1}`}
            placeholder="key"
            value={row.k}
            onChange={(e) => update(rows.map((r, j) => (j === i ? { ...r, k: e.target.value } : r)))}
          />
          <input
            aria-label={`${props.label} value ${i + 1}`}
            placeholder="value"
            value={row.v}
            onChange={(e) => update(rows.map((r, j) => (j === i ? { ...r, v: e.target.value } : r)))}
          />
          <button
            type="button"
            aria-label={`Remove ${props.label} ${row.k || i + 1}`}
            onClick={() => update(rows.filter((_, j) => j !== i))}
          >
            Remove
          </button>
        </div>
      ))}
      <button type="button" onClick={() => setRows([...rows, { k: '', v: '' }])}>
        Add {props.label.toLowerCase().replace(/s$/, '')}
      </button>
      {props.hint ? <div className="hint">{props.hint}</div> : null}
      {props.error ? (
        <div className="error" role="alert">
          {props.error}
        </div>
      ) : null}
    </fieldset>
  );
}

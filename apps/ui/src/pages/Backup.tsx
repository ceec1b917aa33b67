import { useState } from 'react';
import { ErrorNotice, useToast } from '../components/ui';
import { api } from '../lib/api';
import { useTitle } from '../lib/router';
import { useCan } from '../lib/session';

/** Export every job as Dkron's backup file (`GET /v1/jobs`) and import one (`POST /v1/restore`). */
export function Backup() {
  useTitle('Backup');
  const toast = useToast();
  const [results, setResults] = useState<string[]>();
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const can = useCan(['/v1/jobs', '/v1/restore']);
  const mayExport = can('/v1/jobs', 'list', 'read');
  const mayImport = can('/v1/restore', 'create');

  async function exportJobs() {
    try {
      const jobs = await api.exportJobs();
      const blob = new Blob([JSON.stringify(jobs, null, 2)], { type: 'application/json' });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `dkron-jobs-${new Date().toISOString().slice(0, 19).replaceAll(':', '')}.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      toast(`Exported ${jobs.length} job${jobs.length === 1 ? '' : 's'}`);
    } catch (err) {
      setError(err as Error);
    }
  }

  async function importJobs(file: File) {
    setBusy(true);
    setError(undefined);
    setResults(undefined);
    try {
      const answer = await api.restore(file);
      const lines = JSON.parse(answer) as string[];
      setResults(lines);
      const failed = lines.filter((l) => l.startsWith('fail')).length;
      toast(`Imported ${lines.length - failed} of ${lines.length} jobs`, failed > 0);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h1>Backup and restore</h1>
      <div className="grid2">
        <section className="panel" aria-labelledby="export-h">
          <h2 id="export-h">Export</h2>
          <p>Downloads every job as a JSON file, the format of Dkron's backups.</p>
          {mayExport === false ? (
            <p className="muted">This token may not list the jobs.</p>
          ) : (
            <button type="button" className="primary" disabled={!mayExport} onClick={() => void exportJobs()}>
              Export jobs
            </button>
          )}
        </section>
        <section className="panel" aria-labelledby="import-h">
          <h2 id="import-h">Import</h2>
          <p>Creates or replaces the jobs of a backup file (Dkron's or ours). Parents are saved first.</p>
          {mayImport === false ? (
            <p className="muted">This token may not restore jobs (it needs create on /v1/restore).</p>
          ) : (
            <>
              <label htmlFor="import-file" className="label">
                Backup file
              </label>
              <input
                id="import-file"
                type="file"
                accept="application/json,.json"
                disabled={busy || !mayImport}
                onChange={(e) => {
                  const file = e.target.files?.[0];
                  if (file) void importJobs(file);
                  e.target.value = '';
                }}
              />
            </>
          )}
          {results ? (
            <ul aria-label="Import results">
              {results.map((line) => (
                <li key={line} className={line.startsWith('fail') ? 'error' : undefined}>
                  {line}
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      </div>
      <ErrorNotice error={error} />
    </>
  );
}

import { MembersTable } from '../components/MembersTable';
import { ErrorNotice, Loading } from '../components/ui';
import { api } from '../lib/api';
import { useLoad } from '../lib/hooks';
import { useTitle } from '../lib/router';

export function Members() {
  useTitle('Members');
  const members = useLoad((s) => api.members(s), [], 5000);
  const leader = useLoad((s) => api.leader(s).catch(() => undefined), [], 5000);
  const alive = members.data?.filter((m) => m.Status === 1).length ?? 0;
  return (
    <>
      <h1>Members</h1>
      <section className="panel" aria-label="Members">
        <ErrorNotice error={members.error} />
        {members.data ? (
          <>
            <p className="muted">
              {members.data.length} member{members.data.length === 1 ? '' : 's'}, {alive} alive. Leader:{' '}
              <strong>{leader.data?.Name ?? 'no leader'}</strong>.
            </p>
            <MembersTable members={members.data} leader={leader.data?.Name} />
          </>
        ) : (
          <Loading what="members" />
        )}
      </section>
    </>
  );
}

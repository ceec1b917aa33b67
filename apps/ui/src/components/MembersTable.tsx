import type { Member } from '../lib/types';
import { Chips, ScrollRegion, StatusBadge } from './ui';

const STATUS = ['none', 'alive', 'leaving', 'left', 'failed'];

export function MembersTable({ members, leader }: { members: Member[]; leader: string | undefined }) {
  return (
    <ScrollRegion label="Members">
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Address</th>
            <th scope="col">Port</th>
            <th scope="col">Status</th>
            <th scope="col">Role</th>
            <th scope="col">Tags</th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => {
            const status = m.statusText ?? STATUS[m.Status] ?? 'none';
            return (
              <tr key={m.Name}>
                <td>{m.Name}</td>
                <td className="mono">{m.Addr}</td>
                <td className="mono">{m.Port}</td>
                <td>
                  <StatusBadge status={status} />
                </td>
                <td>
                  {m.Name === leader ? <StatusBadge status="leader" /> : null}{' '}
                  {m.Tags.server === 'true' ? 'server' : 'agent'}
                </td>
                <td>
                  <Chips values={m.Tags} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

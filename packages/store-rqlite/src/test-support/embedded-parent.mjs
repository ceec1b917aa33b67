// A parent process for the "child does not outlive a SIGKILLed parent" test: it starts the embedded
// rqlited from the built package, prints the child's pid, and idles until it is killed.
import { startEmbeddedRqlite } from '../../dist/index.js';

const [dataDir, httpPort, raftPort, deathGuard] = process.argv.slice(2);
const rqlite = await startEmbeddedRqlite({
  dataDir,
  httpPort: Number(httpPort),
  raftPort: Number(raftPort),
  deathGuard,
});
process.stdout.write(`${JSON.stringify({ pid: rqlite.pid })}\n`);
setInterval(() => {}, 60_000);

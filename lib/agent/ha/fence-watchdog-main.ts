// Entry of the fence watchdog process: `node --import tsx lib/agent/ha/fence-watchdog-main.ts
// --data <agent data dir>` (spawned by the agent, watchdog-client.ts).
import { parseArgs } from 'node:util';
import { runWatchdog } from './fence-watchdog';

const { values } = parseArgs({ options: { data: { type: 'string' } }, strict: true });
if (!values.data) {
  process.stderr.write('usage: fence-watchdog-main.ts --data <agent data dir>\n');
  process.exit(2);
}
runWatchdog(values.data);

// The mini-dashboard as a process of its own (lib/testing/control-plane.ts): prints its URL.
import { startMiniDashboard } from './mini-dashboard';

const d = await startMiniDashboard();
console.log(`listening ${d.url}`);
process.on('SIGTERM', () => void d.close().then(() => process.exit(0)));

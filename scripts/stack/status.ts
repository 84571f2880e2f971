// Prints which hosts are online and their drivers (used while the stack starts).
import { listHosts } from '@/lib/domain/hosts/queries';

const hosts = await listHosts();
console.log(
  JSON.stringify({
    online: hosts.filter((h) => h.status === 'online').map((h) => h.name),
    drivers: [...new Set(hosts.map((h) => h.driver))],
  }),
);
process.exit(0);

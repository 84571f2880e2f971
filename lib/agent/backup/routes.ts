// Agent HTTP routes for backups (filled in by the backup feature).
import type { Router } from '../router';
import type { AgentRouteDeps } from '../routes';

export function addBackupRoutes(router: Router, deps: AgentRouteDeps): void {
  void router;
  void deps;
}

// Agent HTTP routes for migrations (filled in by the migration feature).
import type { Router } from '../router';
import type { AgentRouteDeps } from '../routes';

export function addMigrationRoutes(router: Router, deps: AgentRouteDeps): void {
  void router;
  void deps;
}

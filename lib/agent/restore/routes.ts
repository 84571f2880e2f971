// Agent HTTP routes for restores (filled in by the restore feature).
import type { Router } from '../router';
import type { AgentRouteDeps } from '../routes';

export function addRestoreRoutes(router: Router, deps: AgentRouteDeps): void {
  void router;
  void deps;
}

// Typed agent calls for migrations (filled in by the migration feature).
import type { AgentCall } from './index';

export const migrationCalls = (call: AgentCall) => {
  void call;
  return {};
};

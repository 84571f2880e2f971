// Typed agent calls for backups (filled in by the backup feature).
import type { AgentCall } from './index';

export const backupCalls = (call: AgentCall) => {
  void call;
  return {};
};

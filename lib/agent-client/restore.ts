// Typed agent calls for restores (filled in by the restore feature).
import type { AgentCall } from './index';

export const restoreCalls = (call: AgentCall) => {
  void call;
  return {};
};

export type AuditEventDto = {
  id: number;
  at: string;
  actorName: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  targetName: string | null;
  result: 'accepted' | 'succeeded' | 'failed' | 'denied';
  detail: Record<string, unknown>;
};

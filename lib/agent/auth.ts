// Bearer-secret check for every agent request: the dashboard's secret from enrollment (not the
// agent's own token, which only the dashboard accepts). Until enrollment has produced it the agent
// answers 503 (it is up but cannot know who may call it yet), never an open door.
import { createHash, timingSafeEqual } from 'node:crypto';
import { agentUnreachable, unauthenticated } from '@/lib/errors';

export type AgentAuth = {
  setSecret(secret: string): void;
  readonly ready: boolean;
  // Throws the coded error to answer with; returns when the caller is allowed.
  check(authorization: string | undefined): void;
};

// Hashing both sides first gives equal-length buffers, so timingSafeEqual never throws and the
// comparison time does not reveal the secret's length or its matching prefix.
export function secretsEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

export function createAuth(hostName: string): AgentAuth {
  let secret: string | null = null;
  return {
    setSecret(s) {
      secret = s;
    },
    get ready() {
      return secret !== null;
    },
    check(authorization) {
      if (secret === null) throw agentUnreachable(hostName, 'enrollment with the dashboard has not completed yet');
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
      if (!m) throw unauthenticated('Missing "Authorization: Bearer <host secret>" header');
      if (!secretsEqual(m[1], secret)) throw unauthenticated('Wrong host secret');
    },
  };
}

import 'server-only';
// Who opens a console WebSocket. Route handlers cannot take upgrades, so the gateway reads the
// next-auth session itself: same cookie, same secret (NEXTAUTH_SECRET, as authOptions takes it:
// lib/auth/config.ts is not loadable outside Next), the user row re-read like
// every request (a deleted or disabled user is refused). The Origin must be the dashboard's own:
// browsers send cookies with cross-site WebSocket handshakes, so without this check any page the
// user visits could drive their console.
import type { IncomingMessage } from 'node:http';
import { getToken } from 'next-auth/jwt';
import { activeUser, tokenSessionVersion, type SignedInUser } from '@/lib/auth/active-user';
import { AppError, unauthenticated } from '@/lib/errors';

// NEXTAUTH_URL is the dashboard's public address (what next-auth builds its links from); without
// it, the address the browser connected to.
export function dashboardOrigin(req: IncomingMessage): string | null {
  const configured = process.env.NEXTAUTH_URL;
  if (configured) {
    try {
      return new URL(configured).origin;
    } catch {
      return null;
    }
  }
  return req.headers.host ? `http://${req.headers.host}` : null;
}

export function checkOrigin(req: IncomingMessage): void {
  const origin = req.headers.origin;
  const own = dashboardOrigin(req);
  if (!origin || !own || origin !== own) {
    const data = { origin: origin?.slice(0, 200) ?? null };
    throw new AppError('FORBIDDEN', 'Console connections are accepted only from the dashboard itself', 403, data);
  }
}

// Cookies as next-auth's getToken reads them; a Map, so no name reaches a prototype.
function parseCookies(header: string | undefined): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const value = part.slice(i + 1).trim();
    try {
      jar.set(part.slice(0, i).trim(), decodeURIComponent(value));
    } catch {
      jar.set(part.slice(0, i).trim(), value);
    }
  }
  return jar;
}

export async function authenticateUpgrade(req: IncomingMessage): Promise<SignedInUser> {
  checkOrigin(req);
  // Only the cookie: getToken would also take an Authorization bearer, which a browser never sends here.
  const headers = { cookie: req.headers.cookie };
  const cookieReq = { headers, cookies: parseCookies(req.headers.cookie) } as unknown as Parameters<
    typeof getToken
  >[0]['req'];
  const token = await getToken({ req: cookieReq, secret: process.env.NEXTAUTH_SECRET });
  const uid = typeof token?.uid === 'string' ? token.uid : null;
  const user = uid ? await activeUser(uid, tokenSessionVersion(token?.sv)) : null;
  if (!user) throw unauthenticated();
  return user;
}

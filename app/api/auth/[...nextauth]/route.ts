import NextAuth from 'next-auth';
import type { NextRequest } from 'next/server';
import { authOptions } from '@/lib/auth/config';
import { noSuchObject } from '@/lib/errors';
import { readJson, route } from '@/lib/http/route-handler';

const handler = NextAuth(authOptions);
type P = { nextauth: string[] };

// next-auth answers two kinds of bad request with a 500: a GET to a provider's callback (the only
// provider, credentials, signs in by POST) and a JSON body that does not parse. Refused here first.
export const GET = route<P>(async (req: NextRequest, params) => {
  if (params.nextauth?.[0] === 'callback') throw noSuchObject('sign-in route', `GET ${req.nextUrl.pathname}`);
  return handler(req, { params: Promise.resolve(params) });
});

export const POST = route<P>(async (req: NextRequest, params) => {
  if (req.headers.get('content-type')?.includes('application/json')) await readJson(req.clone());
  return handler(req, { params: Promise.resolve(params) });
});

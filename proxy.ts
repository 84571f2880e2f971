import { withAuth } from 'next-auth/middleware';

// Only redirects signed-out browsers to the sign-in page; authorization lives in the services.
export default withAuth({ pages: { signIn: '/login' } });

export const config = { matcher: ['/((?!api|_next/static|_next/image|favicon.ico|login).*)'] };

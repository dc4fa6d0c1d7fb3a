import type { Response } from 'supertest';
import type { TestApp } from './test-app.js';

/** The `name=value` pair of a Set-Cookie the response carries ('' when it has none). */
export function cookieOf(res: Response, name: string): string {
  const all = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  return all.find((c) => c.startsWith(`${name}=`))?.split(';')[0] ?? '';
}

const SURFACES = {
  console: { signIn: '__Host-herald-signin', session: '__Host-herald-session' },
  portal: { signIn: '__Host-herald-portal-signin', session: '__Host-herald-portal' },
} as const;

/**
 * Signs in to the console or the portal with an API key through the sign-in form (its CSRF
 * token and cookie), as a browser would; `extraCookies` ride along (e.g. a remembered return).
 * Returns the response and the session cookie pair it set ('' when refused).
 */
export async function signInWithKey(
  t: TestApp,
  surface: keyof typeof SURFACES,
  key: string,
  extraCookies: string[] = [],
): Promise<{ res: Response; cookie: string }> {
  const names = SURFACES[surface];
  const page = await t.http.get(`/${surface}/sign-in`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
  const res = await t.http
    .post(`/${surface}/sign-in/key`)
    .set('Cookie', [cookieOf(page, names.signIn), ...extraCookies].join('; '))
    .type('form')
    .send({ _csrf: csrf, apiKey: key });
  return { res, cookie: cookieOf(res, names.session) };
}

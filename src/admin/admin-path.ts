/**
 * Where signing in leads: the admin page that was asked for, or the admin's home. Only a path
 * of this admin, so a link cannot send the owner to another site after they sign in.
 */
export function afterSignIn(next: unknown): string {
  if (typeof next !== 'string' || next.length > 2048 || !next.startsWith('/') || /[\\\u0000-\u001f\u007f]/.test(next)) return '/admin';
  // Resolved as a browser would (`..`, `%2e%2e`), then checked: the path it lands on must be the admin's.
  const base = 'http://admin.invalid';
  const url = URL.canParse(next, base) ? new URL(next, base) : undefined;
  return url?.origin === base && /^\/admin(?:\/|$)/.test(url.pathname) ? url.pathname + url.search : '/admin';
}

// The Content-Security-Policy of every page: no inline script or style anywhere, so a value
// that slipped past escaping still could not run or restyle the page. The one stylesheet is
// served from this origin (src/views/style.ts).

/** Visitors' pages (thanks, 422, errors): no script; forms post back to any site's own form endpoint. */
export const PAGE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self' http: https:; base-uri 'none'; frame-ancestors 'none'";

/** The admin's pages: no script either, and forms post only back to the admin itself. */
export const ADMIN_CSP = "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** The frame of every server-rendered page; `html` escapes each interpolated value. */
export function layout(title: string, body: Html, head: Html = html``): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
a{color:#0a58ca}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem;border-bottom:1px solid #ddd;vertical-align:top}
td{white-space:pre-wrap;overflow-wrap:anywhere}.error{color:#b00020}label{display:block;margin-top:.8rem;font-weight:600}
input,textarea,select{font:inherit;width:100%;max-width:32rem;padding:.4rem;box-sizing:border-box}button{font:inherit;margin-top:1rem;padding:.4rem 1rem}
nav{margin-bottom:1rem}.muted{color:#666}.badge{padding:0 .4rem;border-radius:.3rem;background:#eee}
</style>${head}</head>
<body>${body}</body></html>`;
}

/** A strict CSP for pages that run no script. */
export const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self' http: https:; base-uri 'none'; frame-ancestors 'none'";

/** The admin's pages: no script either, and forms post only back to the admin itself. */
export const ADMIN_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

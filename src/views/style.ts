import { sha256 } from '../ids.ts';

/**
 * The one stylesheet of every page Formharbor serves (admin and visitors). Served from a file
 * named by its hash, so browsers keep it for a year and a new version is a new address; no
 * inline style anywhere, so the CSP can say `style-src 'self'`.
 */
export const STYLESHEET = `:root{color-scheme:light dark;--bg:#fff;--fg:#1a1a1a;--muted:#565c63;--line:#d5d9de;--card:#f5f7fa;--link:#0a58ca;--accent:#0a58ca;--on-accent:#fff;--error:#b00020;--ok:#146c2e;--focus:#c2410c;--badge:#e8ecf1}
@media (prefers-color-scheme:dark){:root{--bg:#14171b;--fg:#e9ecef;--muted:#a9b1ba;--line:#3a4149;--card:#1d2127;--link:#8cb8ff;--accent:#8cb8ff;--on-accent:#0b1320;--error:#ff8f87;--ok:#7fd69a;--focus:#ffb366;--badge:#2b3139}}
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.55 system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK TC","PingFang TC","Microsoft JhengHei",sans-serif}
a{color:var(--link)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:.5rem;top:-4rem;padding:.5rem 1rem;background:var(--bg);color:var(--link);z-index:10}
.skip:focus{top:.5rem}
.site{border-bottom:1px solid var(--line);background:var(--card)}
.site-inner{max-width:64rem;margin:0 auto;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.25rem;align-items:center}
.brand{font-weight:700;color:var(--fg);text-decoration:none}
.site ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
.site a[aria-current=page]{font-weight:700}
.site form{margin:0;display:flex;flex-wrap:wrap;gap:.25rem;align-items:center}
.tools{margin-left:auto;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
main{display:block;max-width:64rem;margin:0 auto;padding:1rem 1rem 3rem}
main.narrow{max-width:40rem}
h1{font-size:1.6rem;line-height:1.25;margin:.75rem 0 1rem;overflow-wrap:anywhere}
h2{font-size:1.25rem;margin:2rem 0 .75rem}h3{font-size:1.05rem;margin:1.25rem 0 .5rem;overflow-wrap:anywhere}
p{overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
td{white-space:pre-wrap;overflow-wrap:anywhere}
th{overflow-wrap:anywhere}
.error{color:var(--error)}.ok{color:var(--ok)}.muted{color:var(--muted)}
.badge{display:inline-block;padding:0 .45rem;border-radius:.3rem;background:var(--badge);color:var(--fg);white-space:nowrap}
.badge.error{color:var(--error)}
label{display:block;margin-top:.9rem;font-weight:600}
label.check{display:flex;gap:.5rem;align-items:flex-start;font-weight:400}
label.check input{width:auto;margin-top:.3rem}
input,textarea,select{font:inherit;color:inherit;background:var(--bg);width:100%;max-width:36rem;padding:.45rem .55rem;border:1px solid var(--muted);border-radius:.35rem}
input:not([type=checkbox]),select{height:2.6rem}
textarea{display:block}
fieldset{border:1px solid var(--line);border-radius:.5rem;margin:1.5rem 0;padding:0 1rem 1rem;max-width:38rem}
legend{font-weight:700;padding:0 .3rem}
button{font:inherit;margin-top:1rem;padding:.45rem 1.1rem;border-radius:.35rem;border:1px solid var(--accent);background:var(--accent);color:var(--on-accent);cursor:pointer}
button.quiet{background:transparent;color:var(--link);border-color:var(--line);margin:0;padding:.2rem .6rem}
button.quiet[aria-pressed=true]{font-weight:700;border-color:var(--accent)}
form.row{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end;margin:1rem 0}
.field{display:flex;flex-direction:column;gap:.25rem}.field label{margin-top:0}
form.row input,form.row select{width:auto;min-width:12rem}
.when{white-space:nowrap}
form.row button{margin-top:0}
form.inline{display:inline}
.stack>*+*{margin-top:.75rem}
.links{display:flex;flex-wrap:wrap;gap:.25rem .9rem;padding:0;margin:.5rem 0;list-style:none}
pre{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:.75rem;white-space:pre-wrap;overflow-wrap:anywhere;max-width:100%}
code{font:.9rem/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
section.card,.card{border:1px solid var(--line);border-radius:.5rem;padding:.25rem 1rem 1rem;margin:1rem 0;background:var(--card)}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
tr.unread td{font-weight:700}.unread-count{font-weight:700}
.banner{border:1px solid currentColor;border-radius:.5rem;padding:.5rem .75rem}
.cards h2{margin:.5rem 0}caption{text-align:left;font-weight:600;padding:.25rem 0}
ul.cards{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(19rem,1fr));gap:1rem}
.cards dl{display:grid;grid-template-columns:auto 1fr;gap:.1rem .75rem;margin:.5rem 0}.cards dd{margin:0}
figure.chart{margin:.5rem 0;color:var(--accent)}figure.chart svg{max-width:100%;height:auto;display:block}figure.chart figcaption{color:var(--fg)}
@media (max-width:40rem){
h1{font-size:1.35rem}
.site button.quiet{padding:.15rem .45rem}
.tools{margin-left:0}
table.list caption{display:block}
table.list thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
table.list,table.list tbody,table.list tr,table.list td{display:block;width:100%}
table.list tr{border:1px solid var(--line);border-radius:.5rem;margin:0 0 .75rem;padding:.5rem .75rem;background:var(--card)}
table.list td{border:0;padding:.15rem 0}
table.list td[data-label]::before{content:attr(data-label);display:block;font-size:.85rem;font-weight:600;color:var(--muted)}
form.row,.field{width:100%}form.row input,form.row select{width:100%;min-width:0}
.when{white-space:normal}
}
`;

export const STYLESHEET_PATH = `/assets/formharbor.${sha256(STYLESHEET).slice(0, 12)}.css`;

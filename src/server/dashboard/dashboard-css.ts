/**
 * @module The dashboard's one stylesheet and its icon: no framework, no CDN, readable from a phone to a laptop, light
 * or dark as the system is. On narrow screens a table's rows become stacked cards, each cell named by its
 * `data-label` (the column's heading), so nothing scrolls sideways or is cut off; the nav keeps to one row under the
 * brand and scrolls sideways inside itself, a glow at an edge saying more links lie that way (a background that
 * scrolls with the links covers it at the end), the current page's link in view as the page opens, and the wide
 * `scroll-padding-inline` makes a link focused by Tab scroll wholly into view rather than stay cut at the edge.
 */
export const dashboardStylesheet = `:root{color-scheme:light dark;--bg:#f6f7f9;--fg:#1c2330;--card:#fff;--line:#dde2ea;--rule:#e6e9ef;--muted:#5a6474;--link:#1f5fbf;--accent:#1f5fbf;--field:#c4cbd6;--top:#1c2330;--top-fg:#dfe7f5;--ok:#18794e;--ok-bg:#e7f6ec;--ok-line:#9bd3ae;--bad:#b42318;--bad-bg:#fdecea;--bad-line:#f0a8a0;--secret:#fff7d6;--calls:#7fa8e0;--errors:#d9534f}
@media (prefers-color-scheme:dark){:root{--bg:#11151b;--fg:#e4e8ef;--card:#1a2029;--line:#2f3845;--rule:#28303c;--muted:#9ba5b4;--link:#8db8ff;--accent:#3574d4;--field:#465163;--top:#0a0d12;--top-fg:#c9d3e3;--ok:#63d49c;--ok-bg:#11301f;--ok-line:#2b6a44;--bad:#ff8f85;--bad-bg:#3a1715;--bad-line:#7d3029;--secret:#3b3415;--calls:#5d8fd6;--errors:#e0625d}}
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",sans-serif;line-height:1.45;color:var(--fg);background:var(--bg);overflow-wrap:anywhere}
a{color:var(--link)}
.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.25rem;padding:.75rem 1rem;background:var(--top);color:#fff}
.top a{color:var(--top-fg);text-decoration:none}
.top a[aria-current=page]{color:#fff;font-weight:600;border-bottom:2px solid #7fb0ff}
.top a:focus-visible,.top button:focus-visible{outline:2px solid #fff;outline-offset:2px;border-radius:2px}
.brand{font-weight:700;color:#fff!important;margin-right:.5rem}
.top nav{display:flex;flex-wrap:wrap;gap:.5rem 1rem}
.sign-out{margin-left:auto}
button.link{background:none;border:0;color:var(--top-fg);cursor:pointer;font:inherit;padding:0}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
.page-head{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:.25rem 1rem;margin:.5rem 0 1rem}
.page-head h1{margin:0}
.time-zone{margin:0;font-size:.85rem}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem;margin:0 0 1rem}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(min(18rem,100%),1fr));margin:0 0 1rem}
.grid>.card{margin:0}
.card>:first-child{margin-top:0}.card>:last-child{margin-bottom:0}
table{border-collapse:collapse;width:100%;background:var(--card);font-size:.9rem;margin:0 0 1.25rem}
.card table{margin:0}
th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid var(--rule);vertical-align:top}
td.wrap{overflow-wrap:anywhere}
td form.inline+form.inline{margin-left:.4rem}
dl.facts{display:grid;grid-template-columns:minmax(6rem,max-content) minmax(0,1fr);gap:.3rem 1rem;margin:0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;overflow-wrap:anywhere;min-width:0}
form.inline{display:inline}
form.stack label{display:block;margin:.6rem 0 .2rem;font-weight:500}
input,select,textarea{font:inherit;color:var(--fg);background:var(--card);border:1px solid var(--field);border-radius:6px;max-width:100%}
form.stack input,form.stack select,form.stack textarea{width:100%;max-width:32rem;padding:.45rem}
form.stack textarea{min-height:6rem;font-family:ui-monospace,monospace}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end;margin-bottom:1rem}
form.filters label{display:flex;flex-direction:column;font-size:.85rem}
form.filters input,form.filters select{height:2.3rem;padding:0 .4rem;width:12rem;max-width:100%}
form.filters button{height:2.3rem;padding-top:0;padding-bottom:0}
button,.button{display:inline-block;padding:.45rem .9rem;font:inherit;line-height:1.45;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;text-decoration:none}
button.secondary,.button.secondary{background:var(--card);color:var(--link);border-color:var(--link)}
button.danger,.button.danger{background:var(--card);color:var(--bad);border-color:var(--bad)}
button.danger.solid{background:var(--bad);color:var(--card)}
form.stack button{display:block;margin-top:.8rem}
.actions{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center;margin-top:1rem}
.actions button{margin:0}
.notice{padding:.6rem .8rem;border-radius:6px}
.notice.ok{background:var(--ok-bg);border:1px solid var(--ok-line)}
.notice.error{background:var(--bad-bg);border:1px solid var(--bad-line)}
.muted{color:var(--muted)}
code,pre{font-family:ui-monospace,monospace;font-size:.85rem}
code.secret{word-break:break-all;background:var(--secret);padding:.2rem .3rem}
pre{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.75rem;overflow-x:auto;max-height:24rem;white-space:pre-wrap;overflow-wrap:anywhere}
.status-ok{color:var(--ok)}.status-error{color:var(--bad)}
svg.chart{width:100%;height:auto;display:block;background:var(--card);border:1px solid var(--line);border-radius:6px}
svg.chart .axis{stroke:var(--field)}
svg.chart text{font-size:14px;fill:var(--muted)}
svg.chart .calls{fill:var(--calls)}
svg.chart .errors{fill:var(--errors)}
svg.chart .latency{fill:none;stroke:var(--link);stroke-width:1.5}
svg.chart .point{fill:var(--link)}
svg.chart .grid{stroke:var(--rule)}
svg.chart text.axis-title{fill:var(--fg)}
svg.chart .hover{fill:transparent}
svg.chart g:hover .hover{fill:var(--rule);fill-opacity:.45}
.chart-empty{display:flex;align-items:center;justify-content:center;min-height:8rem;margin:0 0 1rem;background:var(--card);border:1px dashed var(--line);border-radius:6px;color:var(--muted)}
.exports{display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:baseline;margin:0 0 1rem}
.pager{display:flex;flex-wrap:wrap;gap:.4rem 1.5rem}
.error-text{color:var(--bad)}
dl.facts.headers{grid-template-columns:minmax(6rem,16rem) minmax(0,1fr)}
dl.facts.headers code{overflow-wrap:anywhere;word-break:break-word}
.legend{font-size:.85rem;color:var(--muted);margin:.3rem 0 1rem}
.legend .swatch{display:inline-block;width:.7rem;height:.7rem;margin:0 .3rem 0 .8rem;vertical-align:middle}
.swatch.calls{background:var(--calls)}.swatch.errors{background:var(--errors)}.swatch.latency{background:var(--link)}
.pager{margin-top:.75rem}
.sign-in{max-width:26rem;margin:4rem auto;padding:0 1rem}
@media (min-width:64rem){th,td{white-space:nowrap}td.wrap{white-space:normal;min-width:10rem}}
.scroll{overflow-x:auto;max-width:100%;margin:0 0 1.25rem}
.scroll>table{margin:0}
@media (max-width:40rem){
main{padding:.75rem}
.top{gap:.25rem 1rem;padding:.6rem .75rem 0}
.top nav{order:3;flex:0 0 calc(100% + 1.5rem);margin:0 -.75rem;padding:.3rem .75rem .55rem;flex-wrap:nowrap;gap:1.25rem;overflow-x:auto;overscroll-behavior-x:contain;scroll-padding-inline:5rem;scrollbar-width:none;background:linear-gradient(to right,var(--top) 40%,transparent) left/2rem 100% no-repeat local,linear-gradient(to left,var(--top) 40%,transparent) right/2rem 100% no-repeat local,linear-gradient(to right,rgba(127,176,255,.6),transparent) left/1.25rem 100% no-repeat scroll,linear-gradient(to left,rgba(127,176,255,.6),transparent) right/1.25rem 100% no-repeat scroll,var(--top)}
.top nav::-webkit-scrollbar{display:none}
.top nav a{flex:none;white-space:nowrap}
.top nav a[aria-current=page]{scroll-initial-target:nearest}
.sign-out{order:2}
svg.chart text{font-size:28px}
form.filters input,form.filters select{width:10.5rem}
dl.facts{grid-template-columns:minmax(5rem,40%) minmax(0,1fr)}
dl.facts.headers{grid-template-columns:minmax(0,1fr);gap:0}
dl.facts.headers dd{margin-bottom:.5rem}
table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}
table.cards{background:none}
table.cards thead{display:none}
table.cards tr{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.5rem .75rem;margin:0 0 .75rem}
table.cards td{position:relative;border:0;padding:.2rem 0 .2rem 7.5rem;min-height:1.8rem}
table.cards td::before{content:attr(data-label);position:absolute;left:0;top:.2rem;width:7rem;color:var(--muted);overflow-wrap:anywhere}
table.cards td.actions-cell{padding-left:0;padding-top:.5rem}
table.cards td.actions-cell::before{content:none}
th,td{padding:.35rem .45rem}
}
`

/** The tab icon: a junction of three lines on the brand's blue, drawn without text or style so that no font is needed. */
export const faviconSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1f5fbf"/><path d="M6 10h8l4 6h8M6 22h8l4-6" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/><circle cx="26" cy="16" r="2.5" fill="#fff"/></svg>`

/** @module The dashboard's one stylesheet: no framework, no CDN, readable from a phone to a laptop. */
export const dashboardStylesheet = `*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",sans-serif;line-height:1.45;color:#1c2330;background:#f6f7f9;overflow-wrap:anywhere}
a{color:#1f5fbf}
.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.25rem;padding:.75rem 1rem;background:#1c2330;color:#fff}
.top a{color:#dfe7f5;text-decoration:none}
.top a[aria-current=page]{color:#fff;font-weight:600;border-bottom:2px solid #7fb0ff}
.brand{font-weight:700;color:#fff!important;margin-right:.5rem}
.top nav{display:flex;flex-wrap:wrap;gap:.5rem 1rem}
.sign-out{margin-left:auto}
button.link{background:none;border:0;color:#dfe7f5;cursor:pointer;font:inherit;padding:0}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
.card{background:#fff;border:1px solid #dde2ea;border-radius:8px;padding:1rem;margin:0 0 1rem}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr))}
.card>h2:first-child{margin-top:0}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.9rem}
th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #e6e9ef;vertical-align:top;white-space:nowrap}
td.wrap{white-space:normal;overflow-wrap:anywhere;min-width:10rem}
dl.facts{display:grid;grid-template-columns:minmax(7rem,max-content) 1fr;gap:.3rem 1rem;margin:0}
dl.facts dt{color:#5a6474}
dl.facts dd{margin:0;overflow-wrap:anywhere}
form.inline{display:inline}
form.stack label{display:block;margin:.6rem 0 .2rem;font-weight:500}
form.stack input,form.stack select,form.stack textarea{width:100%;max-width:32rem;padding:.45rem;font:inherit;border:1px solid #c4cbd6;border-radius:6px}
form.stack textarea{min-height:6rem;font-family:ui-monospace,monospace}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end;margin-bottom:1rem}
form.filters label{display:flex;flex-direction:column;font-size:.85rem}
form.filters input,form.filters select{padding:.35rem;font:inherit;border:1px solid #c4cbd6;border-radius:6px;max-width:12rem}
button,.button{display:inline-block;padding:.45rem .9rem;font:inherit;border-radius:6px;border:1px solid #1f5fbf;background:#1f5fbf;color:#fff;cursor:pointer;text-decoration:none}
button.secondary{background:#fff;color:#1f5fbf}
button.danger{background:#fff;color:#b42318;border-color:#b42318}
form.stack button{display:block;margin-top:.8rem}
.notice{padding:.6rem .8rem;border-radius:6px}
.notice.ok{background:#e7f6ec;border:1px solid #9bd3ae}
.notice.error{background:#fdecea;border:1px solid #f0a8a0}
.muted{color:#5a6474}
code,pre{font-family:ui-monospace,monospace;font-size:.85rem}
code.secret{word-break:break-all;background:#fff7d6;padding:.2rem .3rem}
pre{background:#fff;border:1px solid #dde2ea;border-radius:6px;padding:.75rem;overflow-x:auto;max-height:24rem;white-space:pre-wrap;overflow-wrap:anywhere}
.status-ok{color:#18794e}.status-error{color:#b42318}
svg.chart{width:100%;height:auto;display:block;background:#fff;border:1px solid #dde2ea;border-radius:6px}
svg.chart .axis{stroke:#c4cbd6}
svg.chart text{font-size:14px;fill:#5a6474}
svg.chart .calls{fill:#7fa8e0}
svg.chart .errors{fill:#d9534f}
svg.chart .latency{fill:none;stroke:#1f5fbf;stroke-width:1.5}
svg.chart .point{fill:#1f5fbf}
.legend{font-size:.85rem;color:#5a6474;margin:.3rem 0 1rem}
.legend .swatch{display:inline-block;width:.7rem;height:.7rem;margin:0 .3rem 0 .8rem;vertical-align:middle}
.swatch.calls{background:#7fa8e0}.swatch.errors{background:#d9534f}.swatch.latency{background:#1f5fbf}
.pager{margin-top:.75rem}
.sign-in{max-width:26rem;margin:4rem auto;padding:0 1rem}
@media (max-width:40rem){main{padding:.75rem}svg.chart text{font-size:28px}.sign-out{margin-left:0}th,td{padding:.35rem .45rem}}
`

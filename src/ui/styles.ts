/** The dashboard's stylesheet, served at /ui/app.css: light and dark following the system, readable on a phone. */
export const STYLES = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--card:#f6f8fa;--link:#0550ae;
--ok:#1a7f37;--bad:#cf222e;--busy:#9a6700;--idle:#6e7781;--focus:#0969da}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--card:#161b22;--link:#79c0ff;
--ok:#3fb950;--bad:#ff7b72;--busy:#d29922;--idle:#9198a1;--focus:#58a6ff}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
a{color:var(--link)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
header.top{display:flex;flex-wrap:wrap;gap:.5em 1.5em;align-items:center;padding:.6em 1em;border-bottom:1px solid var(--line)}
header.top .brand{font-weight:700;text-decoration:none;color:var(--fg)}
header.top nav{display:flex;gap:1em;flex-wrap:wrap}
header.top nav a[aria-current=page]{font-weight:700;text-decoration:none}
header.top form{margin-left:auto}
main{padding:1em;max-width:80em;margin:0 auto}
h1{font-size:1.5em;margin:.2em 0 .6em}h2{font-size:1.2em;margin:1.4em 0 .5em}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
pre{background:var(--card);border:1px solid var(--line);padding:.8em;overflow:auto;max-height:70vh;white-space:pre-wrap;word-break:break-all}
.muted{color:var(--muted)}
.notice,.problem{padding:.6em 1em;border-radius:6px;border:1px solid var(--line);margin:0 0 1em}
.problem{border-color:var(--bad)}.notice{border-color:var(--ok)}
form.filters{display:flex;flex-wrap:wrap;gap:.6em;align-items:end;margin-bottom:1em}
label{display:flex;flex-direction:column;font-size:.85em;color:var(--muted);gap:.2em}
input,select,button{font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:.35em .6em}
button{cursor:pointer;background:var(--card)}button.danger{border-color:var(--bad);color:var(--bad)}
.app{margin-bottom:1.6em}.group{margin:.4em 0 .2em;font-size:.9em;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(17em,1fr));gap:.7em;list-style:none;padding:0;margin:0}
.card{border:1px solid var(--line);border-left:5px solid var(--idle);border-radius:6px;padding:.6em .8em;background:var(--card);min-width:0;content-visibility:auto;contain-intrinsic-size:auto 10em}
.card h3,.card h4{margin:0 0 .3em;font-size:1em;display:flex;justify-content:space-between;gap:.5em}
.card dl{display:grid;grid-template-columns:auto 1fr;gap:0 .6em;margin:0;font-size:.88em}.card dt{color:var(--muted)}.card dd{margin:0;overflow-wrap:anywhere}
.state{font-weight:600;white-space:nowrap}
.s-ready,.s-success,.s-passed{--tone:var(--ok)}.s-failed,.s-failure,.s-error{--tone:var(--bad)}
.s-deploying,.s-waiting,.s-pending,.s-destroying,.s-in_progress,.s-queued,.s-missing{--tone:var(--busy)}
.s-sleeping,.s-destroyed,.s-inactive{--tone:var(--idle)}
.card[class*=s-]{border-left-color:var(--tone)}.state[class*=s-]{color:var(--tone)}
.label{display:inline-block;font-size:.75em;font-weight:600;text-transform:uppercase;letter-spacing:.04em;padding:0 .4em;border:1px solid var(--tone,var(--line));border-radius:3px;color:var(--tone,var(--fg))}
.strip{display:flex;gap:3px;margin-top:.4em;padding:0;list-style:none}.strip li{width:.9em;height:.9em;border-radius:2px;background:var(--tone,var(--idle))}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.85em;color:var(--muted)}.table-wrap{overflow-x:auto}
ol.timeline{list-style:none;padding:0;margin:0}ol.timeline>li{border-left:3px solid var(--tone,var(--line));padding:.3em 0 .6em .9em;margin-left:.3em}
ol.timeline h3{font-size:1em;margin:0 0 .2em}ol.timeline p{margin:.2em 0}ol.phases{margin:.2em 0;padding-left:1.2em;font-size:.9em}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:0 0 1em}.facts dt{color:var(--muted)}.facts dd{margin:0;overflow-wrap:anywhere}
.actions{display:flex;flex-wrap:wrap;gap:1em;margin:1em 0}.actions form{display:flex;gap:.4em;align-items:end;flex-wrap:wrap;border:1px solid var(--line);border-radius:6px;padding:.6em}
.pager{display:flex;gap:1em;margin-top:1em}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(20em,1fr));gap:1.5em}.charts svg{width:100%;height:auto}
.login{max-width:24em;margin:4em auto}.login form{display:flex;flex-direction:column;gap:.8em}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.s-processed{--tone:var(--ok)}.s-ignored{--tone:var(--idle)}
.charts figure{margin:0}.charts rect[class*=s-]{fill:var(--tone)}.charts rect.bar{fill:var(--link)}.charts .axis{stroke:var(--line)}.charts .tick{fill:var(--muted);font-size:10px}
.legend{display:flex;flex-wrap:wrap;gap:1em;list-style:none;padding:0;margin:.3em 0;font-size:.85em}.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.3em;background:var(--tone)}
`;

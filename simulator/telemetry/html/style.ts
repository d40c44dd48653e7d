/** The HTML report's stylesheet. */

export const CSS = `
:root{--fg:#151515;--muted:#6a6e73;--line:#e1e3e6;--bg:#f3f4f6;--panel:#fff;--ok:#3e8635;--warn:#f0ab00;--bad:#c9190b;--accent:#0066cc}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;-webkit-font-smoothing:antialiased}
.mono,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
header.top{background:#212427;color:#fff;padding:18px 28px 16px}
header.top h1{margin:0;font-size:20px;font-weight:600;letter-spacing:.2px}
header.top h1 .brand{color:#8bc1f7;font-weight:500}
header.top .meta{margin-top:6px;color:#c7c9cc;font-size:13px;display:flex;flex-wrap:wrap;gap:4px 18px}
header.top .meta b{color:#fff;font-weight:500}
.verdict{display:inline-block;margin-left:12px;padding:2px 10px;border-radius:12px;font-size:12px;font-weight:600;vertical-align:3px;letter-spacing:.4px}
.verdict.pass{background:#3e8635;color:#fff}.verdict.fail{background:#c9190b;color:#fff}.verdict.neutral{background:#6a6e73;color:#fff}
main{max-width:1320px;margin:0 auto;padding:20px 28px 48px}
section.panel{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:16px 18px 18px;margin:0 0 18px}
section.panel>h2{margin:0 0 12px;font-size:15px;font-weight:600}
section.panel>h2 .hint{font-weight:400;color:var(--muted);font-size:12.5px;margin-left:8px}
.cards{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:12px}
@media (max-width:900px){.cards{grid-template-columns:repeat(2,minmax(0,1fr))}}
.card{background:var(--panel);border:1px solid var(--line);border-left:4px solid #d2d2d2;border-radius:6px;padding:10px 14px 12px}
.clabel{color:var(--muted);font-size:11.5px;text-transform:uppercase;letter-spacing:.6px}
.cvalue{font-size:24px;font-weight:600;margin-top:2px;font-variant-numeric:tabular-nums;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.cvalue.text{font-size:17px;padding-top:6px;padding-bottom:4px}
.cvalue small{font-size:13px;font-weight:500;color:var(--muted)}
.csub{color:var(--muted);font-size:12px;margin-top:2px}
.muted{color:var(--muted)}.small{font-size:12px}
.tablewrap{overflow-x:auto}
table.data{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
table.data tr:first-child th:first-child{text-align:left}
table.data th{font-weight:600;font-size:11.5px;color:var(--muted);text-transform:uppercase;letter-spacing:.4px;text-align:right;padding:6px 10px;border-bottom:1px solid var(--line);white-space:nowrap}
table.data th.run{text-transform:none;font-size:12.5px;color:var(--fg);text-align:center}
table.data td{text-align:right;padding:6px 10px;border-bottom:1px solid #f0f1f2;white-space:nowrap}
table.data tr:last-child td{border-bottom:0}
table.data tr:hover td{background:#f7f9fb}
table.data .l{text-align:left}table.data td.name{font-weight:500}
table.data td.small{white-space:normal;min-width:140px}
td.warn{color:#9c6500;font-weight:600}
.pill{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;background:#f0f0f0;color:#3c3f42}
.pill.healthy{background:#e9f4e5;color:#1e4f18}.pill.degraded{background:#fdf4dd;color:#795600}.pill.failing{background:#faeae8;color:#a30000}.pill.idle{background:#f0f0f0;color:#6a6e73}
.util{display:inline-flex;align-items:center;gap:6px}.util .bar{display:inline-block;width:56px;height:6px;background:#eceef0;border-radius:3px;overflow:hidden}.util .bar span{display:block;height:100%}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:7px;vertical-align:-1px}
.delta{font-size:11.5px;margin-left:4px;color:var(--muted)}.delta.better{color:#1e4f18}.delta.worse{color:#a30000}
.graphs{display:flex;flex-wrap:wrap;gap:16px;justify-content:center}
.graphbox{flex:0 1 auto;min-width:0;text-align:center}.graphbox h3{margin:0 0 4px;font-size:13px;font-weight:600}
svg.graph{max-width:100%;height:auto}
svg.graph .nname{font-size:13px;font-weight:600;fill:#151515}
svg.graph .nsub{font-size:11px;fill:#6a6e73}
svg.graph .elabel{font-size:10.5px}
svg.graph g.node,svg.graph g.edge{cursor:default}
svg.graph g.edge:hover path{stroke-opacity:1}
svg.timeline{max-width:100%;height:auto}svg.timeline .tick{font-size:11px;fill:#6a6e73}svg.timeline .lane{font-size:11.5px;fill:#3c3f42}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;font-size:12px;color:#3c3f42;margin:6px 0 2px}
.legend span{display:inline-flex;align-items:center;gap:6px}
.legend i{display:inline-block;width:14px;height:3px;border-radius:2px}.legend i.dot{width:10px;height:10px;border-radius:50%}.legend i.band{height:10px;width:14px;background:rgba(236,122,8,.16);border:1px solid rgba(236,122,8,.45)}
.chartgrid{display:grid;grid-template-columns:repeat(auto-fit,minmax(360px,1fr));gap:14px 18px}
.chart{position:relative;min-height:210px}
.chart h4{margin:0 0 2px;font-size:12.5px;font-weight:600;color:#3c3f42}
.chart svg{display:block;width:100%;height:180px;overflow:visible}
.chart .axis text{font-size:10.5px;fill:#6a6e73}.chart .axis path,.chart .axis line{stroke:#d2d2d2}
.chart .grid line{stroke:#eef0f2}.chart .grid path{stroke:none}
.svcrow{border-top:1px solid var(--line);padding-top:10px;margin-top:12px}.svcrow h3{margin:0 0 6px;font-size:13.5px}
.svcrow h3 .pill{margin-left:8px;font-weight:600}
.tooltip{position:fixed;pointer-events:none;background:rgba(33,36,39,.95);color:#fff;font-size:12px;padding:7px 9px;border-radius:4px;box-shadow:0 2px 8px rgba(0,0,0,.25);z-index:10;display:none;max-width:360px}
.tooltip .tt{color:#c7c9cc;margin-bottom:3px}.tooltip .row{display:flex;align-items:center;gap:6px;white-space:nowrap}.tooltip i{display:inline-block;width:9px;height:9px;border-radius:2px}
.nojs{background:#fdf4dd;border:1px solid #f4c145;color:#795600;padding:8px 12px;border-radius:4px;font-size:13px}
ul.checks{list-style:none;margin:0;padding:0}
ul.checks li{display:grid;grid-template-columns:24px minmax(160px,auto) minmax(140px,1fr) auto;gap:10px;align-items:baseline;padding:6px 4px;border-bottom:1px solid #f0f1f2}
ul.checks li:last-child{border-bottom:0}
ul.checks .mark{font-weight:700;font-size:15px}ul.checks li.ok .mark{color:var(--ok)}ul.checks li.bad .mark{color:var(--bad)}ul.checks li.nodata .mark{color:#c58c00}
ul.checks .cname{font-weight:600}ul.checks .cexp{color:#3c3f42}ul.checks .cobs{color:var(--muted);font-variant-numeric:tabular-nums}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:18px}
.cols h3{font-size:13px;margin:0 0 6px}
details summary{cursor:pointer;color:var(--accent);font-size:13px;margin:10px 0 6px}
ol.story{margin:0;padding:0 0 0 4px;list-style:none}ol.story li{margin:0 0 6px;line-height:1.45}ol.story a{color:inherit;text-decoration:none;border-bottom:1px dotted #b8bbbe}ol.story a:hover{color:var(--accent)}ol.story .when{display:inline-block;min-width:74px;font-variant-numeric:tabular-nums;color:var(--muted)}
ol.story li[data-kind=queue-overflow] .when,ol.story li[data-kind=caused-failures] .when{color:var(--bad)}ol.story li[data-kind=breaker-open] .when,ol.story li[data-kind=fallback] .when{color:#9c6500}
.chart.focused{outline:2px solid #5752d1;outline-offset:2px;border-radius:4px}
.graphopts{font-size:12px;color:var(--muted);margin:0 0 6px}
footer{color:var(--muted);font-size:12px;text-align:center;padding:8px 0 28px}
@media print{body{background:#fff}header.top{background:#fff;color:#000;border-bottom:2px solid #000}header.top .meta,header.top .meta b{color:#000}section.panel{break-inside:avoid;border-color:#bbb}.tooltip{display:none!important}}
`;

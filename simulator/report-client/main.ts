/**
 * The HTML report's browser code: draws the time-series charts with the d3 bundle the page inlines
 * (the global `d3`), reads its data from the page's JSON block, and links each "what happened"
 * sentence to its chart moment. Bundled by esbuild at report time (simulator/cli/io.ts), linted and
 * type-checked with the DOM library like any other module.
 *
 * Charts are declared in the page as `<div data-chart="scope|name|kind">`; this module fills them.
 */
import type * as D3 from 'd3';
import type {
  ClientBlock,
  ClientRun,
  HeatmapData,
  PageData,
  RunPageData,
} from '../telemetry/html/client-data.ts';
import { DATA_ID } from '../telemetry/html/client-data.ts';

declare const d3: typeof D3 | undefined;

type Unit = '%' | 'ms' | '×' | '/s' | '';
interface Series {
  name: string;
  color: string;
  dash?: string | null;
  t: number[];
  values: (number | null)[];
  area?: boolean;
  /** Drawn as a shaded band under the line (degraded answers on the success chart). */
  band?: boolean;
}
interface Kind {
  unit: Unit;
  /** One or more series per run and block. */
  series: (
    b: ClientBlock,
    run: ClientRun,
  ) => { suffix: string; color?: string; values: (number | null)[]; band?: boolean }[];
  yDomain?: (max: number, min: number) => [number, number];
  percent?: boolean;
  markers?: boolean;
  area?: boolean;
}

const data = JSON.parse(document.getElementById(DATA_ID)?.textContent ?? 'null') as PageData | null;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmtTime(ms: number, dur: number): string {
  if (dur < 2000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  const p = (x: number) => (x < 10 ? `0${x}` : `${x}`);
  if (dur >= 3 * 3_600_000) return `${h}:${p(m)}`;
  if (h > 0) return `${h}:${p(m)}:${p(ss)}`;
  return `${m}:${p(ss)}`;
}

function timeTicks(dur: number, max: number): number[] {
  const steps = [
    10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5, 72e5,
    108e5, 216e5, 432e5, 864e5,
  ];
  const step = steps.find((s) => dur / s <= max) ?? dur;
  const out: number[] = [];
  for (let t = 0; t <= dur + 1e-9; t += step) out.push(t);
  return out;
}

function fmtVal(v: number | null, unit: Unit): string {
  if (v === null || !Number.isFinite(v)) return '-';
  if (unit === '%') return `${Number((v * 100).toFixed(v > 0.999 && v < 1 ? 2 : 1))}%`;
  if (unit === 'ms')
    return v >= 1000
      ? `${(v / 1000).toFixed(2)} s`
      : `${v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(3)} ms`;
  if (unit === '×') return `${v.toFixed(2)}×`;
  if (unit === '/s') return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)}/s`;
  return v >= 100 ? String(Math.round(v)) : String(Number(v.toFixed(2)));
}

function runChart(d: typeof D3, page: RunPageData): void {
  const tip = document.createElement('div');
  tip.className = 'tooltip';
  document.body.appendChild(tip);
  const showTip = (ev: MouseEvent, content: string) => {
    tip.innerHTML = content;
    tip.style.display = 'block';
    const w = tip.offsetWidth;
    const hh = tip.offsetHeight;
    let x = ev.clientX + 14;
    let y = ev.clientY + 14;
    if (x + w > window.innerWidth - 8) x = ev.clientX - w - 14;
    if (y + hh > window.innerHeight - 8) y = ev.clientY - hh - 14;
    tip.style.left = `${x}px`;
    tip.style.top = `${y}px`;
  };
  const hideTip = () => {
    tip.style.display = 'none';
  };

  const dur = Math.max(0, ...page.runs.map((r) => r.durationMs));
  const bands: ClientRun['bands'] = [];
  const markers: ClientRun['markers'] = [];
  for (const r of page.runs) {
    for (const b of r.bands)
      if (!bands.some((x) => x.from === b.from && x.to === b.to && x.label === b.label)) bands.push(b);
    markers.push(...r.markers);
  }
  /** The moment a clicked narrative sentence points at, drawn on every chart. */
  let focusAt: number | null = null;

  const W = (el: Element) => Math.max(280, el.clientWidth);
  const H = 180;
  const M = { top: 8, right: 12, bottom: 22, left: 52 };

  function frame(el: Element) {
    const width = W(el);
    const svg = d
      .select(el)
      .append('svg')
      .attr('viewBox', `0 0 ${width} ${H}`)
      .attr('preserveAspectRatio', 'none')
      .style('height', `${H}px`);
    const x = d
      .scaleLinear()
      .domain([0, dur])
      .range([M.left, width - M.right]);
    for (const b of bands)
      svg
        .append('rect')
        .attr('class', 'faultband')
        .attr('x', x(b.from))
        .attr('y', M.top)
        .attr('width', Math.max(1, x(b.to) - x(b.from)))
        .attr('height', H - M.top - M.bottom)
        .attr('fill', 'rgba(236,122,8,0.10)')
        .attr('stroke', 'rgba(236,122,8,0.35)')
        .attr('stroke-dasharray', '3,2')
        .append('title')
        .text(`fault ${b.label} (${fmtTime(b.from, dur)}–${fmtTime(b.to, dur)})`);
    return { svg, x, width };
  }

  function axes(
    svg: D3.Selection<SVGSVGElement, unknown, null, undefined>,
    x: D3.ScaleLinear<number, number>,
    y: D3.ScaleContinuousNumeric<number, number>,
    width: number,
    percent: boolean,
  ) {
    svg
      .append('g')
      .attr('class', 'grid')
      .attr('transform', `translate(${M.left},0)`)
      .call(
        d
          .axisLeft(y)
          .ticks(4)
          .tickSize(-(width - M.left - M.right))
          .tickFormat(() => ''),
      );
    svg
      .append('g')
      .attr('class', 'axis')
      .attr('transform', `translate(0,${H - M.bottom})`)
      .call(
        d
          .axisBottom(x)
          .tickValues(timeTicks(dur, Math.max(3, Math.floor(width / 90))))
          .tickFormat((v) => fmtTime(Number(v), dur))
          .tickSizeOuter(0),
      );
    svg
      .append('g')
      .attr('class', 'axis')
      .attr('transform', `translate(${M.left},0)`)
      .call(
        d
          .axisLeft(y)
          .ticks(4)
          .tickFormat(percent ? d.format('.0%') : d.format('~s'))
          .tickSizeOuter(0),
      );
    if (focusAt !== null)
      svg
        .append('line')
        .attr('class', 'focus')
        .attr('x1', x(focusAt))
        .attr('x2', x(focusAt))
        .attr('y1', M.top)
        .attr('y2', H - M.bottom)
        .attr('stroke', '#5752d1')
        .attr('stroke-width', 2);
  }

  function lineChart(el: Element, series: Series[], kind: Kind): void {
    const { svg, x, width } = frame(el);
    let ymax = 0;
    let ymin = Infinity;
    for (const s of series)
      for (const v of s.values)
        if (v !== null && Number.isFinite(v)) {
          ymax = Math.max(ymax, v);
          ymin = Math.min(ymin, v);
        }
    // Counts start at a scale of 5, so that an all-zero series has whole-number ticks.
    const dom = kind.yDomain
      ? kind.yDomain(ymax, ymin)
      : ([0, Math.max(ymax * 1.08, kind.unit === '' ? 5 : 1)] as [number, number]);
    const y = d
      .scaleLinear()
      .domain(dom)
      .range([H - M.bottom, M.top])
      .clamp(true)
      .nice(5);
    axes(svg, x, y, width, kind.percent === true);
    if (kind.markers)
      for (const mk of markers)
        svg
          .append('line')
          .attr('x1', x(mk.t))
          .attr('x2', x(mk.t))
          .attr('y1', M.top)
          .attr('y2', H - M.bottom)
          .attr('stroke', '#c9190b')
          .attr('stroke-dasharray', '2,3')
          .attr('opacity', 0.7)
          .append('title')
          .text(`${mk.label} at ${fmtTime(mk.t, dur)}`);
    for (const s of series) {
      const pts: [number, number | null][] = s.t.map((t, i) => [t, s.values[i]]);
      const ok = (p: [number, number | null]) => p[1] !== null && Number.isFinite(p[1]);
      if (s.band) {
        const area = d
          .area<[number, number | null]>()
          .defined(ok)
          .x((p) => x(p[0]))
          .y0(y(dom[0]))
          .y1((p) => y(p[1] ?? 0))
          .curve(d.curveStepBefore);
        svg
          .append('path')
          .datum(pts)
          .attr('class', 'degradedband')
          .attr('d', area)
          .attr('fill', s.color)
          .attr('opacity', 0.35);
        continue;
      }
      if (s.area) {
        const area = d
          .area<[number, number | null]>()
          .defined(ok)
          .x((p) => x(p[0]))
          .y0(y(dom[0]))
          .y1((p) => y(p[1] ?? 0))
          .curve(d.curveMonotoneX);
        svg.append('path').datum(pts).attr('d', area).attr('fill', s.color).attr('opacity', 0.08);
      }
      const line = d
        .line<[number, number | null]>()
        .defined(ok)
        .x((p) => x(p[0]))
        .y((p) => y(p[1] ?? 0))
        .curve(d.curveMonotoneX);
      svg
        .append('path')
        .datum(pts)
        .attr('class', 'series')
        .attr('d', line)
        .attr('fill', 'none')
        .attr('stroke', s.color)
        .attr('stroke-width', 1.6)
        .attr('stroke-dasharray', s.dash ?? null);
    }
    hover(svg, x, y, width, series, kind.unit);
  }

  function hover(
    svg: D3.Selection<SVGSVGElement, unknown, null, undefined>,
    x: D3.ScaleLinear<number, number>,
    y: D3.ScaleContinuousNumeric<number, number> | null,
    width: number,
    series: Series[],
    unit: Unit,
  ): void {
    const rule = svg
      .append('line')
      .attr('y1', M.top)
      .attr('y2', H - M.bottom)
      .attr('stroke', '#8a8d90')
      .style('display', 'none');
    const dots = series.map((s) =>
      svg.append('circle').attr('r', 3).attr('fill', s.color).style('display', 'none'),
    );
    svg
      .append('rect')
      .attr('x', M.left)
      .attr('y', M.top)
      .attr('width', width - M.left - M.right)
      .attr('height', H - M.top - M.bottom)
      .attr('fill', 'transparent')
      .on('mousemove', function (this: SVGRectElement, ev: MouseEvent) {
        const t = x.invert(d.pointer(ev, this)[0]);
        let rows = '';
        let tx: number | null = null;
        series.forEach((s, k) => {
          let i = Math.min(s.t.length - 1, Math.max(0, d.bisectLeft(s.t, t)));
          if (i > 0 && Math.abs(s.t[i - 1] - t) < Math.abs(s.t[i] - t)) i--;
          const v = s.values[i];
          if (tx === null) tx = s.t[i];
          if (v === null || !Number.isFinite(v) || !y) dots[k].style('display', 'none');
          else dots[k].style('display', null).attr('cx', x(s.t[i])).attr('cy', y(v));
          rows += `<div class="row"><i style="background:${s.color}"></i>${esc(s.name)}: <b>${fmtVal(v, unit)}</b></div>`;
        });
        if (tx === null) return;
        const at: number = tx;
        rule.style('display', null).attr('x1', x(at)).attr('x2', x(at));
        const inBand = bands.filter((b) => at >= b.from && at <= b.to).map((b) => `fault ${esc(b.label)}`);
        showTip(
          ev,
          `<div class="tt">t = ${fmtTime(at, dur)}${inBand.length ? ` · ${inBand.join(', ')}` : ''}</div>${rows}`,
        );
      })
      .on('mouseleave', () => {
        rule.style('display', 'none');
        for (const dot of dots) dot.style('display', 'none');
        hideTip();
      });
  }

  function stackedChart(el: Element, run: ClientRun, block: ClientBlock): void {
    const { svg, x, width } = frame(el);
    const keys = page.causes.filter((c) => block.byCause?.[c]);
    const perSec = 1000 / run.stepMs;
    const rows = run.t.map((t, i) => {
      const o: Record<string, number> = { t };
      for (const k of keys) o[k] = (block.byCause?.[k]?.[i] ?? 0) * perSec;
      return o;
    });
    const stack = d.stack<Record<string, number>>().keys(keys)(rows);
    const top = stack.length ? stack[stack.length - 1] : [];
    const ymax = d.max(top, (p) => p[1]) ?? 1;
    const y = d
      .scaleLinear()
      .domain([0, (ymax || 1) * 1.08])
      .nice(4)
      .range([H - M.bottom, M.top]);
    axes(svg, x, y, width, false);
    const area = d
      .area<D3.SeriesPoint<Record<string, number>>>()
      .x((p) => x(p.data.t))
      .y0((p) => y(p[0]))
      .y1((p) => y(p[1]))
      .curve(d.curveStepBefore);
    for (const layer of stack)
      svg
        .append('path')
        .datum(layer)
        .attr('class', 'series')
        .attr('d', area)
        .attr('fill', page.causeColors[page.causes.indexOf(layer.key as (typeof page.causes)[number])])
        .attr('opacity', 0.88)
        .append('title')
        .text(layer.key);
    if (!keys.length)
      svg
        .append('text')
        .attr('x', (M.left + width - M.right) / 2)
        .attr('y', H / 2)
        .attr('text-anchor', 'middle')
        .attr('fill', '#6a6e73')
        .attr('font-size', 12)
        .text('no failures');
    const series: Series[] = keys.map((k) => ({
      name: k,
      color: page.causeColors[page.causes.indexOf(k)],
      t: run.t,
      values: (block.byCause?.[k] ?? []).map((v) => v * perSec),
    }));
    if (series.length) hover(svg, x, null, width, series, '/s');
  }

  const rate = (b: ClientBlock, i: number) => (b.requests[i] > 0 ? b.successes[i] / b.requests[i] : null);
  const perSecond = (b: ClientBlock, run: ClientRun, col: number[]) =>
    col.map((v) => (v * 1000) / run.stepMs);
  const shareDomain = (): [number, number] => [0, 1];
  const KINDS: Record<string, Kind> = {
    rps: {
      unit: '/s',
      area: true,
      series: (b, run) => [{ suffix: '', values: perSecond(b, run, b.requests) }],
    },
    success: {
      unit: '%',
      percent: true,
      markers: true,
      yDomain: shareDomain,
      series: (b) => [
        { suffix: '', values: b.requests.map((_, i) => rate(b, i)) },
        // Degraded answers (fallbacks) as a band: a page that "succeeded" without its reviews.
        ...(b.degraded
          ? [
              {
                suffix: ' degraded',
                color: '#c58c00',
                band: true,
                values: b.degraded.map((v, i) => (b.requests[i] > 0 ? v / b.requests[i] : null)),
              },
            ]
          : []),
      ],
    },
    p99: {
      unit: 'ms',
      markers: true,
      series: (b) => [{ suffix: '', values: b.p99.map((v, i) => (b.requests[i] > 0 ? v : null)) }],
    },
    util: {
      unit: '%',
      percent: true,
      yDomain: shareDomain,
      series: (b) =>
        b.cpu ? [{ suffix: ' cpu', values: b.cpu }] : [{ suffix: ' slots', values: b.utilization ?? [] }],
    },
    queue: {
      unit: '',
      series: (b) => [
        { suffix: ' queued', values: b.queue ?? [] },
        { suffix: ' in flight', color: '#5752d1', values: b.inFlight ?? [] },
      ],
    },
    amp: {
      unit: '×',
      yDomain: (mx, mn) => [Math.min(1, Number.isFinite(mn) ? mn : 1), Math.max(1.5, mx * 1.05)],
      // Tries per request that went out, by the interval the request started in.
      series: (b) => [
        {
          suffix: '',
          values: (b.startAttempts ?? []).map((a, i) =>
            (b.sent?.[i] ?? 0) > 0 ? a / (b.sent?.[i] ?? 1) : null,
          ),
        },
      ],
    },
    shorted: {
      unit: '',
      series: (b) => [
        {
          suffix: ' not sent',
          values: (b.started ?? []).map((s, i) => Math.max(0, s - (b.sent?.[i] ?? 0))),
        },
      ],
    },
  };
  const dashes = [null, '6,3', '2,2', '8,3,2,3'];

  function blockOf(run: ClientRun, scope: string, name: string): ClientBlock | undefined {
    return scope === 'entry' ? run.entry : scope === 'service' ? run.services[name] : run.edges[name];
  }

  function canaryChart(el: Element, name: string): void {
    const { svg, x, width } = frame(el);
    const y = d
      .scaleLinear()
      .domain([0, 100])
      .range([H - M.bottom, M.top]);
    axes(svg, x, y, width, false);
    page.runs.forEach((run, ri) => {
      const steps = run.canary[name] ?? [];
      const pts: [number, number][] = [...steps, [dur, steps.length ? steps[steps.length - 1][1] : 0]];
      svg
        .append('path')
        .datum(pts)
        .attr('class', 'series')
        .attr(
          'd',
          d
            .line<[number, number]>()
            .x((p) => x(p[0]))
            .y((p) => y(p[1]))
            .curve(d.curveStepAfter),
        )
        .attr('fill', 'none')
        .attr('stroke', run.color)
        .attr('stroke-dasharray', page.runs.length > 1 ? dashes[ri % 4] : null)
        .attr('stroke-width', 1.8);
    });
  }

  function draw(): void {
    for (const el of Array.from(document.querySelectorAll('[data-chart]'))) {
      el.querySelector('svg')?.remove();
      const [scope, name, kindName] = (el.getAttribute('data-chart') ?? '').split('|');
      if (kindName === 'causes') {
        const run = page.runs[Number(name)];
        if (run) stackedChart(el, run, run.entry);
        continue;
      }
      if (kindName === 'canary') {
        canaryChart(el, name);
        continue;
      }
      const kind = KINDS[kindName];
      if (!kind) continue;
      const series: Series[] = [];
      if (scope === 'edges-amp') {
        const run = page.runs[0];
        page.ampEdges.forEach((key, k) => {
          const b = run.edges[key];
          if (!b) return;
          for (const s of kind.series(b, run))
            series.push({
              name: key.replace('->', ' → ') + s.suffix,
              color: page.edgeColors[k % page.edgeColors.length],
              t: run.t,
              values: s.values,
            });
        });
      } else {
        page.runs.forEach((run, ri) => {
          const b = blockOf(run, scope, name);
          if (!b) return;
          for (const s of kind.series(b, run))
            series.push({
              name: `${page.runs.length > 1 ? run.label : kindName}${s.suffix}`,
              color: s.color ?? run.color,
              dash: page.runs.length > 1 ? dashes[ri % dashes.length] : null,
              t: run.t,
              values: s.values,
              area: kind.area && page.runs.length === 1,
              band: s.band,
            });
        });
      }
      lineChart(el, series, kind);
    }
  }

  // "What happened": a sentence scrolls to its chart and marks its moment on every chart.
  for (const a of Array.from(document.querySelectorAll<HTMLAnchorElement>('a[data-at]'))) {
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      focusAt = Number(a.dataset.at);
      draw();
      const target = document.getElementById(a.hash.slice(1));
      target?.scrollIntoView({ behavior: 'smooth', block: 'center' });
      target?.classList.add('focused');
      window.setTimeout(() => target?.classList.remove('focused'), 1600);
    });
  }

  // Graph: edges coloured by health (default) or by p99 latency.
  for (const box of Array.from(document.querySelectorAll<HTMLInputElement>('input[data-edge-colour]'))) {
    box.addEventListener('change', () => {
      for (const p of Array.from(document.querySelectorAll<SVGPathElement>('path[data-p99-colour]'))) {
        const c = box.checked ? p.dataset.p99Colour : p.dataset.healthColour;
        if (c) p.setAttribute('stroke', c);
      }
    });
  }

  draw();
  let timer = 0;
  let lastW = window.innerWidth;
  window.addEventListener('resize', () => {
    if (Math.abs(window.innerWidth - lastW) < 30) return;
    lastW = window.innerWidth;
    window.clearTimeout(timer);
    timer = window.setTimeout(draw, 150);
  });
}

function heatmaps(d: typeof D3, page: HeatmapData): void {
  const heat = page.heat;
  if (!heat) return;
  const fmt = {
    pct: (v: number) => `${(v * 100).toFixed(2)}%`,
    ms: (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`),
    count: (v: number) => String(Math.round(v)),
  };
  const cw = 76;
  const ch = 28;
  const top = 44;
  const left = heat.y.key
    ? Math.max(48, heat.y.key.length * 7.4 + 16, ...heat.y.values.map((v) => v.length * 6.5 + 14))
    : 16;
  for (const m of heat.metrics) {
    const flat = m.cells.flat().filter((v) => Number.isFinite(v));
    const lo = d.min(flat) ?? 0;
    const hi = d.max(flat) ?? 1;
    // Values that differ only in the last digits are "the same": one neutral colour, not red vs green.
    const flatSpread = hi - lo <= 0.002 * Math.max(Math.abs(hi), Math.abs(lo), 1e-9);
    const scale = d.scaleSequential(d.interpolateRdYlGn).domain(m.higherIsBetter ? [lo, hi] : [hi, lo]);
    const color = (v: number) => (flatSpread ? '#dbe4ee' : scale(v));
    const div = d.select('#maps').append('div').attr('class', 'map');
    div.append('h3').text(m.name);
    div
      .append('div')
      .attr('class', 'hint')
      .text(
        flatSpread ? 'the same in every variant' : m.higherIsBetter ? 'higher is better' : 'lower is better',
      );
    const w = left + cw * heat.x.values.length + 4;
    const h = top + ch * heat.y.values.length + 4;
    const svg = div.append('svg').attr('width', w).attr('height', h);
    svg
      .append('text')
      .attr('class', 'axis')
      .attr('x', left + (cw * heat.x.values.length) / 2)
      .attr('y', 12)
      .attr('text-anchor', 'middle')
      .text(`${heat.x.key} →`);
    if (heat.y.key)
      svg
        .append('text')
        .attr('class', 'axis')
        .attr('x', left - 6)
        .attr('y', top - 8)
        .attr('text-anchor', 'end')
        .text(`${heat.y.key} ↓`);
    heat.x.values.forEach((v, i) =>
      svg
        .append('text')
        .attr('x', left + i * cw + cw / 2)
        .attr('y', top - 8)
        .attr('text-anchor', 'middle')
        .text(v),
    );
    heat.y.values.forEach((v, j) =>
      svg
        .append('text')
        .attr('x', left - 6)
        .attr('y', top + j * ch + ch / 2 + 4)
        .attr('text-anchor', 'end')
        .text(v),
    );
    m.cells.forEach((row, j) =>
      row.forEach((v, i) => {
        const g = svg.append('g').attr('transform', `translate(${left + i * cw},${top + j * ch})`);
        const fill = Number.isFinite(v) ? color(v) : '#e5e7eb';
        g.append('rect')
          .attr('width', cw - 2)
          .attr('height', ch - 2)
          .attr('rx', 2)
          .attr('fill', fill);
        const dark = d.hsl(fill).l < 0.45;
        const text = Number.isFinite(v) ? fmt[m.format](v) : '-';
        g.append('text')
          .attr('x', cw / 2)
          .attr('y', ch / 2 + 3)
          .attr('text-anchor', 'middle')
          .style('fill', dark ? '#fff' : '#1f2328')
          .text(text);
        g.append('title').text(
          `${heat.y.key ? `${heat.y.key}=${heat.y.values[j]}, ` : ''}${heat.x.key}=${heat.x.values[i]}: ${text}`,
        );
      }),
    );
  }
}

function start(): void {
  if (!data) return;
  if (typeof d3 === 'undefined') {
    for (const el of Array.from(document.querySelectorAll('.needs-d3'))) {
      const note = document.createElement('div');
      note.className = 'nojs';
      note.textContent = 'Charts need the inlined d3 bundle, which this report was written without.';
      el.appendChild(note);
    }
    return;
  }
  if (data.kind === 'sweep') heatmaps(d3, data);
  else runChart(d3, data);
  document.documentElement.dataset.chartsDrawn = 'true';
}

start();

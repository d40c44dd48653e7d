/** The events timeline: breaker, ejection, fault and canary lanes as static SVG. */
import type { RunEvent, RunResult } from '../types.ts';
import { fmtClock } from '../format.ts';
import { HEALTH_COLOR, h, num, timeTicks, fmtTick } from './common.ts';

// ---- events timeline (static SVG) ---------------------------------------------------------------

export interface Lane {
  key: string;
  label: string;
  bars: { from: number; to: number; color: string; title: string }[];
  points: { t: number; color: string; title: string }[];
}

export function eventLanes(events: RunEvent[], durationMs: number, prefix: string): Lane[] {
  const lanes = new Map<string, Lane>();
  const lane = (key: string, label: string): Lane => {
    let l = lanes.get(key);
    if (!l) {
      l = { key, label, bars: [], points: [] };
      lanes.set(key, l);
    }
    return l;
  };
  const openFault = new Map<string, RunEvent>();
  const breaker = new Map<string, RunEvent>();
  const down = new Map<string, RunEvent>();
  const ejected = new Map<string, RunEvent>();
  const stateColor = (s: string | undefined): string =>
    s === 'open' ? HEALTH_COLOR.failing : s === 'half-open' ? HEALTH_COLOR.degraded : HEALTH_COLOR.healthy;
  for (const e of events) {
    switch (e.kind) {
      case 'fault-start':
        openFault.set(e.subject, e);
        lane(`fault:${e.subject}`, `fault ${e.subject}`);
        break;
      case 'fault-end': {
        const s = openFault.get(e.subject);
        if (s) {
          lane(`fault:${e.subject}`, `fault ${e.subject}`).bars.push({
            from: s.t,
            to: e.t,
            color: '#ec7a08',
            title: `${e.subject}: ${s.reason} (${fmtClock(s.t)}–${fmtClock(e.t)})`,
          });
          openFault.delete(e.subject);
        }
        break;
      }
      case 'breaker': {
        const prev = breaker.get(e.subject);
        const l = lane(`breaker:${e.subject}`, `breaker ${e.subject}`);
        if (prev && prev.state !== 'closed')
          l.bars.push({
            from: prev.t,
            to: e.t,
            color: stateColor(prev.state),
            title: `${prev.state} ${fmtClock(prev.t)}–${fmtClock(e.t)}: ${prev.reason}`,
          });
        l.points.push({
          t: e.t,
          color: stateColor(e.state),
          title: `${fmtClock(e.t)} → ${e.state ?? '?'}: ${e.reason}`,
        });
        breaker.set(e.subject, e);
        break;
      }
      case 'instance-down':
        down.set(e.subject, e);
        lane(`inst:${e.subject}`, `instance ${e.subject}`);
        break;
      case 'instance-up': {
        const s = down.get(e.subject);
        const l = lane(`inst:${e.subject}`, `instance ${e.subject}`);
        if (s) {
          l.bars.push({
            from: s.t,
            to: e.t,
            color: '#7d1007',
            title: `down ${fmtClock(s.t)}–${fmtClock(e.t)}: ${s.reason}`,
          });
          down.delete(e.subject);
        } else
          l.points.push({ t: e.t, color: HEALTH_COLOR.healthy, title: `${fmtClock(e.t)} up: ${e.reason}` });
        break;
      }
      case 'ejection': {
        ejected.set(e.subject, e);
        lane(`ej:${e.subject}`, `ejected ${e.subject}`).points.push({
          t: e.t,
          color: '#5752d1',
          title: `${fmtClock(e.t)} ejected: ${e.reason}`,
        });
        break;
      }
      case 'unejection': {
        const s = ejected.get(e.subject);
        const l = lane(`ej:${e.subject}`, `ejected ${e.subject}`);
        if (s) {
          l.bars.push({
            from: s.t,
            to: e.t,
            color: '#8481dd',
            title: `ejected ${fmtClock(s.t)}–${fmtClock(e.t)}: ${s.reason}`,
          });
          ejected.delete(e.subject);
        } else l.points.push({ t: e.t, color: '#8481dd', title: `${fmtClock(e.t)} returned: ${e.reason}` });
        break;
      }
      default:
        lane(`${e.kind}:${e.subject}`, `${e.kind} ${e.subject}`).points.push({
          t: e.t,
          color: '#0066cc',
          title: `${fmtClock(e.t)} ${e.state ?? ''} ${e.reason}`,
        });
    }
  }
  for (const [subject, s] of openFault)
    lane(`fault:${subject}`, `fault ${subject}`).bars.push({
      from: s.t,
      to: durationMs,
      color: '#ec7a08',
      title: `${subject}: ${s.reason} (from ${fmtClock(s.t)})`,
    });
  for (const [subject, s] of breaker) {
    if (s.state !== 'closed')
      lane(`breaker:${subject}`, `breaker ${subject}`).bars.push({
        from: s.t,
        to: durationMs,
        color: stateColor(s.state),
        title: `${s.state} from ${fmtClock(s.t)}: ${s.reason}`,
      });
  }
  for (const [subject, s] of down)
    lane(`inst:${subject}`, `instance ${subject}`).bars.push({
      from: s.t,
      to: durationMs,
      color: '#7d1007',
      title: `down from ${fmtClock(s.t)}: ${s.reason}`,
    });
  for (const [subject, s] of ejected)
    lane(`ej:${subject}`, `ejected ${subject}`).bars.push({
      from: s.t,
      to: Math.min(durationMs, s.t + 1),
      color: '#8481dd',
      title: `ejected at ${fmtClock(s.t)}: ${s.reason}`,
    });
  return [...lanes.values()].map((l) => ({ ...l, label: prefix ? `${prefix}: ${l.label}` : l.label }));
}

export function renderTimeline(runs: { r: RunResult; label: string }[], compare: boolean): string {
  const durationMs = Math.max(1, ...runs.map((x) => x.r.durationMs));
  let lanes: Lane[] = [];
  for (const { r, label } of runs) lanes.push(...eventLanes(r.events, r.durationMs, compare ? label : ''));
  if (lanes.length === 0)
    return '<p class="muted">No events: no fault, breaker transition, ejection or instance restart happened.</p>';
  const MAX = 40;
  const hidden = Math.max(0, lanes.length - MAX);
  lanes = lanes.slice(0, MAX);
  const labelW = Math.min(330, Math.max(140, ...lanes.map((l) => l.label.length * 6.4 + 16)));
  const W = 1180;
  const laneH = 22;
  const top = 8;
  const H = top + lanes.length * laneH + 28;
  const x = (t: number): number =>
    labelW + (Math.max(0, Math.min(durationMs, t)) / durationMs) * (W - labelW - 16);
  const parts: string[] = [
    `<svg class="timeline" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Events timeline" xmlns="http://www.w3.org/2000/svg">`,
  ];
  const ticks = timeTicks(durationMs, 10);
  for (const t of ticks) {
    parts.push(
      `<line x1="${num(x(t))}" x2="${num(x(t))}" y1="${top}" y2="${H - 22}" stroke="#eceef0"/>`,
      `<text x="${num(x(t))}" y="${H - 8}" text-anchor="middle" class="tick">${h(fmtTick(t, durationMs))}</text>`,
    );
  }
  lanes.forEach((l, i) => {
    const y = top + i * laneH;
    if (i % 2 === 0) parts.push(`<rect x="0" y="${y}" width="${W}" height="${laneH}" fill="#f7f8f9"/>`);
    parts.push(
      `<text x="8" y="${y + 15}" class="lane">${h(truncate(l.label, Math.floor((labelW - 14) / 6.2)))}<title>${h(l.label)}</title></text>`,
    );
    for (const b of l.bars) {
      const x1 = x(b.from);
      const w = Math.max(2, x(b.to) - x1);
      parts.push(
        `<rect x="${num(x1)}" y="${y + 5}" width="${num(w)}" height="${laneH - 10}" rx="2" fill="${b.color}" fill-opacity="0.85"><title>${h(b.title)}</title></rect>`,
      );
    }
    for (const p of l.points) {
      parts.push(
        `<circle cx="${num(x(p.t))}" cy="${y + laneH / 2}" r="4" fill="${p.color}" stroke="#fff" stroke-width="1"><title>${h(p.title)}</title></circle>`,
      );
    }
  });
  parts.push(`</svg>`);
  if (hidden) parts.push(`<p class="muted">… and ${hidden} more lanes (see the event list).</p>`);
  return parts.join('');
}

export function truncate(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, Math.max(1, n - 1)) + '…';
}

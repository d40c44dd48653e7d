/**
 * The benchmark's load generator (a child process): `closed` keeps `conns` requests in flight for
 * `seconds`; `paced` sends `rate` requests per second (a 1 ms tick sends what is due). Every
 * request is `GET /` with `Host: reviews` over keep-alive connections. Prints one JSON line:
 * requests, errors, latency percentiles in µs (measured from send to the last byte).
 */
import http from 'node:http';

interface Params {
  port: number;
  mode: 'closed' | 'paced';
  conns: number;
  rate: number;
  seconds: number;
}

const p = JSON.parse(process.argv[2]) as Params;
const agent = new http.Agent({ keepAlive: true, maxSockets: p.conns, maxFreeSockets: p.conns });
const lat: number[] = [];
let errors = 0;
let requests = 0;
let stopAt = 0;
let done = false;
const opts = { host: '127.0.0.1', port: p.port, path: '/', agent, headers: { host: 'reviews' } };

function once(next: () => void): void {
  const t0 = performance.now();
  const req = http.get(opts, (res) => {
    res.on('data', () => undefined);
    res.on('end', () => {
      if (res.statusCode === 200) lat.push((performance.now() - t0) * 1000);
      else errors++;
      requests++;
      next();
    });
  });
  req.on('error', () => {
    errors++;
    requests++;
    next();
  });
}

function pct(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((q / 100) * sorted.length))];
}

function finish(): void {
  if (done) return;
  done = true;
  const s = lat.sort((a, b) => a - b);
  process.stdout.write(
    JSON.stringify({
      requests,
      errors,
      seconds: p.seconds,
      // Wall time until the last answer: longer than `seconds` when the chain could not keep up
      // with the paced rate and requests queued in the client (an open model's backlog).
      wallSeconds: (performance.now() - start) / 1000,
      p50: pct(s, 50),
      p90: pct(s, 90),
      p99: pct(s, 99),
    }) + '\n',
  );
  agent.destroy();
  process.exit(0);
}

const start = performance.now();
stopAt = start + p.seconds * 1000;
let inFlight = 0;
if (p.mode === 'closed') {
  const loop = (): void => {
    if (performance.now() >= stopAt) {
      if (--inFlight === 0) finish();
      return;
    }
    once(loop);
  };
  for (let i = 0; i < p.conns; i++) {
    inFlight++;
    once(loop);
  }
} else {
  let sent = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    if (now >= stopAt) {
      clearInterval(tick);
      const wait = setInterval(() => {
        if (inFlight === 0) {
          clearInterval(wait);
          finish();
        }
      }, 5);
      return;
    }
    const due = Math.floor(((now - start) / 1000) * p.rate);
    for (; sent < due; sent++) {
      inFlight++;
      once(() => inFlight--);
    }
  }, 1);
}

// Soak: do rings stay inside their byte caps, and does the daemon's memory
// stay flat, over a long run? Every ring's ring_bytes is set below what
// ring_seconds of its source needs, so the byte cap (not age) bounds it the
// whole time and the bound is exercised on every push.
//
//   every 10 s, per source: ringside_ring_bytes vs ringside_ring_bytes_limit,
//   the overflow counters, and ringsided's RSS, written to soak.csv in the
//   run directory (kept after the run);
//   at the end: max ring bytes as % of the bound (the target is <= 105 %),
//   RSS min / max / last and its slope per hour after warm-up, drops.
//
// Usage: node bench/soak.js [--minutes M] [--video N] [--audio N] [--sensor N]
// (defaults 30 min, 4 + 4 + 4 sources). See docs/benchmarks.md.
'use strict';
const fs = require('fs');
const path = require('path');
const h = require('../tests/lib/harness');
const c = require('./cost_lib');

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const MINUTES = arg('minutes', 30);
const N = { video: arg('video', 4), audio: arg('audio', 4), sensor: arg('sensor', 4) };
const EVERY_MS = 10000;
// RSS settles once the rings are full and the first windows have expired;
// the trend is fitted on samples after this.
const WARMUP_S = 120;

// Byte caps under what 30 s needs: video ~23 KB x 15 fps x 30 s = 10 MB,
// audio 32 KB/s x 30 s = 960 KB, sensor 24 B x 1000/s x 30 s = 720 KB.
const RING = {
  video: { seconds: 30, bytes: '8M' },
  audio: { seconds: 30, bytes: '512K' },
  sensor: { seconds: 30, bytes: '512K' },
};

// Least-squares slope of ys over xs.
function slope(xs, ys) {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den ? num / den : 0;
}

(async () => {
  process.env.RINGSIDE_KEEP = '1'; // the run directory holds the CSV and logs
  const ports = await c.sensorPorts(N.sensor);
  const stack = await h.startStack({ name: 'soak', sensor: false,
    config: (p) => c.config(p, ports, N, RING) });
  const sensors = c.startSensors(stack.dir, ports);
  const stop = async () => {
    for (const s of sensors) await h.stopProcess(s);
    await stack.stop();
  };
  process.on('SIGINT', () => { stop().then(() => process.exit(130)); });
  process.on('SIGTERM', () => { stop().then(() => process.exit(143)); });

  const names = c.sourceNames(N);
  const pid = stack.daemon.pid;
  const csvPath = path.join(stack.dir, 'soak.csv');
  const csv = fs.createWriteStream(csvPath);
  csv.write('t_s,source,kind,ring_bytes,ring_bytes_limit,ring_samples,overflow_total,' +
    'late_dropped_total,source_dropped_total,samples_total,rss_bytes\n');
  h.log(`soak: ${MINUTES} min, ${N.video} video + ${N.audio} audio + ${N.sensor} sensor; ` +
    `samples to ${csvPath}`);

  const t0 = Date.now();
  const until = t0 + MINUTES * 60000;
  const rss = []; // [t_s, bytes]
  const maxPct = {}; // source -> max ring bytes as % of its limit
  let last = {};
  try {
    for (let next = t0; Date.now() < until;) {
      next += EVERY_MS;
      await h.sleep(Math.max(0, next - Date.now()));
      if (stack.daemon.exitCode !== null) throw new Error('ringsided exited');
      const m = await c.metrics(stack);
      const t = (Date.now() - t0) / 1000;
      const r = c.rssBytes(pid);
      rss.push([t, r]);
      for (const s of names) {
        const bytes = c.of(m, 'ringside_ring_bytes', s);
        const limit = c.of(m, 'ringside_ring_bytes_limit', s);
        maxPct[s] = Math.max(maxPct[s] || 0, (100 * bytes) / limit);
        csv.write([t.toFixed(1), s, c.kindOf(s), bytes, limit, c.of(m, 'ringside_ring_samples', s),
          c.of(m, 'ringside_ring_overflow_total', s), c.of(m, 'ringside_ring_late_dropped_total', s),
          c.of(m, 'ringside_source_dropped_total', s), c.of(m, 'ringside_source_samples_total', s),
          r].join(',') + '\n');
      }
      last = m;
      if (rss.length % 30 === 0) {
        h.log(`${(t / 60).toFixed(0)} min: RSS ${(r / c.MiB).toFixed(1)} MiB, ` +
          `max ring ${Math.max(...Object.values(maxPct)).toFixed(1)} % of bound`);
      }
    }
  } finally {
    csv.end();
    await stop();
  }

  // Per kind: the worst ring against its bound, how full rings were at the
  // end, and what was dropped over the run.
  console.log(`\nsoak ${MINUTES} min, ${N.video} video + ${N.audio} audio + ${N.sensor} sensor sources, ` +
    `${rss.length} samples every ${EVERY_MS / 1000} s`);
  console.log('kind     bound      max ring/bound  end ring/bound  ring overflow  late dropped  source dropped');
  for (const kind of ['video', 'audio', 'sensor']) {
    const ss = names.filter((s) => c.kindOf(s) === kind);
    if (!ss.length) continue;
    const sum = (name) => ss.reduce((a, s) => a + c.of(last, name, s), 0);
    const limit = c.of(last, 'ringside_ring_bytes_limit', ss[0]);
    const endPct = Math.min(...ss.map((s) => (100 * c.of(last, 'ringside_ring_bytes', s)) / limit));
    console.log(`${kind.padEnd(8)} ${(limit / c.MiB).toFixed(2).padStart(6)} MiB ` +
      `${Math.max(...ss.map((s) => maxPct[s])).toFixed(2).padStart(10)} %  ` +
      `${endPct.toFixed(2).padStart(10)} % (min)  ` +
      `${String(sum('ringside_ring_overflow_total')).padStart(12)}  ` +
      `${String(sum('ringside_ring_late_dropped_total')).padStart(12)}  ` +
      `${String(sum('ringside_source_dropped_total')).padStart(14)}`);
  }
  const worst = Math.max(...Object.values(maxPct));
  console.log(`max ring bytes ${worst.toFixed(2)} % of bound (target <= 105 %): ` +
    `${worst <= 105 ? 'within' : 'OVER'}`);
  // The caps count payload only; RSS also holds per-sample overhead,
  // GStreamer's buffers and the heap's slack.
  const bounds = names.reduce((a, s) => a + c.of(last, 'ringside_ring_bytes_limit', s), 0);
  console.log(`sum of ring bounds ${(bounds / c.MiB).toFixed(1)} MiB (payload)`);
  const after = rss.filter(([t]) => t >= WARMUP_S);
  const ys = rss.map(([, b]) => b);
  const mib = (b) => (b / c.MiB).toFixed(1);
  console.log(`RSS MiB: min ${mib(Math.min(...ys))}  max ${mib(Math.max(...ys))}  ` +
    `last ${mib(ys[ys.length - 1])}`);
  if (after.length >= 2) {
    const perHour = slope(after.map(([t]) => t), after.map(([, b]) => b)) * 3600;
    const a = after.map(([, b]) => b);
    console.log(`RSS after ${WARMUP_S} s: min ${mib(Math.min(...a))}  max ${mib(Math.max(...a))}  ` +
      `slope ${(perHour / c.MiB).toFixed(2)} MiB/h`);
    // The heap settles over minutes; a leak keeps the second half rising.
    const half = rss.filter(([t]) => t >= rss[rss.length - 1][0] / 2);
    const halfPerHour = slope(half.map(([t]) => t), half.map(([, b]) => b)) * 3600;
    console.log(`RSS slope over the second half: ${(halfPerHour / c.MiB).toFixed(2)} MiB/h`);
  }
  console.log(`samples: ${csvPath}`);
})().catch((e) => { console.error(e); process.exit(1); });

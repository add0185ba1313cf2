// Benchmark: how fast the review loop answers, against Redis itself.
//
//   submit -> ack   a reviewer's label until its ack (validate, XADD, reply),
//                   against redis-benchmark's XADD round trip with the same
//                   payload size on the same Redis (the floor ringside sits on);
//   end -> task     window end (capture time of its last instant) until the
//                   task is on a reviewer's socket: how fresh windows are.
//
// Usage: node bench/review_latency.js [--reviewers N] [--seconds S]
// Needs a build (RINGSIDED, RINGSIDE_BIN) like the tests; see docs/benchmarks.md.
'use strict';
const { execFileSync } = require('child_process');
const h = require('../tests/lib/harness');

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const REVIEWERS = arg('reviewers', 20);
const SECONDS = arg('seconds', 20);

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function config(p) {
  let reviewers = '';
  for (let i = 0; i < REVIEWERS; i++) reviewers += `[reviewer r${i}]\ntoken = bench-token-${i}-0123456789\n`;
  return `[daemon]
listen = 127.0.0.1:${p.http}
[redis]
port = ${p.redis}
[source imu]
kind = sensor
listen = 127.0.0.1:${p.sensor}
channels = ax,ay,az
ring_seconds = 10
[group g]
sources = imu
window_seconds = 0.1
every_seconds = 0.1
lateness_ms = 50
classes = none,square,circle
time_box_seconds = 30
queue_max = 64
${reviewers}`;
}

(async () => {
  const stack = await h.startStack({ name: 'bench', config });
  try {
    const acks = [];
    const fresh = [];
    let payload = 0;
    const until = Date.now() + SECONDS * 1000;
    const loops = [];
    for (let i = 0; i < REVIEWERS; i++) {
      const r = await stack.reviewer(`r${i}`, { token: `bench-token-${i}-0123456789` });
      await r.next('welcome');
      loops.push((async () => {
        while (Date.now() < until) {
          let m;
          try { m = await r.next('task', 2000); } catch { continue; }
          const got = process.hrtime.bigint();
          fresh.push(Number(BigInt(Date.now()) * 1000000n - BigInt(m.task.window.endNs)) / 1e6);
          const t0 = process.hrtime.bigint();
          r.submit({ labelId: h.labelId(), windowId: m.task.window.id, classes: ['square'] });
          const a = await r.next(['ack', 'error']);
          if (a.msg !== 'ack') throw new Error(JSON.stringify(a.error));
          acks.push(Number(process.hrtime.bigint() - t0) / 1e6);
          void got;
        }
      })());
    }
    await Promise.all(loops);
    const entries = await stack.client.xrangeBuffer('ringside:labels', '-', '+', 'COUNT', 1);
    const flat = entries[0][1];
    for (let i = 0; i < flat.length; i += 2) payload += flat[i].length + flat[i + 1].length;

    // Baseline: XADD of an entry of the same size, one client, same Redis.
    const blob = 'x'.repeat(Math.max(1, payload - 4));
    const csv = execFileSync('redis-benchmark', ['-p', String(stack.ports.redis), '-c', '1',
      '-n', '5000', '--csv', 'XADD', 'bench:xadd', 'MAXLEN', '~', '100000', '*', 'pb', blob],
    { encoding: 'utf8' });
    const row = csv.trim().split('\n').pop().split(',').map((x) => x.replace(/"/g, ''));
    const base = { rps: Number(row[1]), p50: Number(row[4]), p99: Number(row[6]) };

    // The same round trip from this node process (ioredis), so client-side
    // overhead (event loop, decoding) is in both figures.
    const nodeXadd = [];
    for (let i = 0; i < 2000; i++) {
      const t0 = process.hrtime.bigint();
      await stack.client.xadd('bench:node', 'MAXLEN', '~', '100000', '*', 'pb', blob);
      nodeXadd.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }

    const p50 = pct(acks, 50);
    const p99 = pct(acks, 99);
    console.log(`reviewers ${REVIEWERS}, ${SECONDS} s, ${acks.length} labels, entry ${payload} bytes`);
    console.log(`submit->ack ms   p50 ${p50.toFixed(3)}  p99 ${p99.toFixed(3)}  max ${Math.max(...acks).toFixed(3)}`);
    console.log(`redis XADD ms    p50 ${base.p50.toFixed(3)}  p99 ${base.p99.toFixed(3)}  (redis-benchmark -c 1, ${base.rps} req/s)`);
    console.log(`node XADD ms     p50 ${pct(nodeXadd, 50).toFixed(3)}  p99 ${pct(nodeXadd, 99).toFixed(3)}  (ioredis from this process)`);
    console.log(`ratio            p50 ${(p50 / base.p50).toFixed(2)}x  p99 ${(p99 / base.p99).toFixed(2)}x of redis-benchmark; p50 ${(p50 / pct(nodeXadd, 50)).toFixed(2)}x of node XADD`);
    console.log(`end->task ms     p50 ${pct(fresh, 50).toFixed(1)}  p99 ${pct(fresh, 99).toFixed(1)}  (lateness_ms 50, tick 20 ms)`);
  } finally {
    await stack.stop();
  }
})().catch((e) => { console.error(e); process.exit(1); });

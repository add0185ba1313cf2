// Benchmark: ringsided with hundreds to thousands of reviewers on real
// websockets (clients/ringside-load), each figure next to a baseline
// measured in the same run:
//
//   throughput  labels/s from N reviewers answering every task at once,
//               against redis-benchmark running XADD of the same entry with
//               -c N -P 1 on the same Redis (the floor ringside sits on);
//   latency     submit -> ack, window end -> task and offer -> task at 100
//               and 1,000 reviewers with human-like think times, against
//               redis-benchmark's unloaded XADD round trip (-c 1);
//   memory      ringsided's RSS per idle reviewer connection at 10,000,
//               against redis-server's RSS per idle client connection;
//   replay      the spool's replay rate after an outage: labels acked from
//               the spool while redis-server is down, replayed when it is
//               back, against redis-benchmark running the same XADD on one
//               connection with as many in flight as the replay keeps (256).
//
// Usage: bench/run review_scale [--phases throughput,latency,memory,replay]
//   [--reviewers 400] [--groups 2500] [--prefill 50] [--seconds 20]
//   [--latency-reviewers 100,1000] [--think-ms 1000] [--idle 10000]
//   [--outage 30]
// Needs a build (RINGSIDED, RINGSIDE_BIN) like the tests; see docs/benchmarks.md.
'use strict';
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');
const h = require('../tests/lib/harness');

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const PHASES = opt('phases', 'throughput,latency,memory,replay').split(',');
const OUTAGE_S = Number(opt('outage', 30));
const REPLAY_WINDOW = 256; // replayed XADDs in flight (feedback/relay.c RELAY_WINDOW)
const REVIEWERS = Number(opt('reviewers', 400));
const GROUPS = Number(opt('groups', 2500));
const PREFILL_S = Number(opt('prefill', 50));
const SECONDS = Number(opt('seconds', 20));
const LAT_REVIEWERS = opt('latency-reviewers', '100,1000').split(',').map(Number);
const THINK_MS = Number(opt('think-ms', 1000));
const IDLE = Number(opt('idle', 10000));
const WARMUP_S = 3;
const LOAD = path.join(h.BIN, 'ringside-load');
const TOKEN = 'bench-token-0123456789-';
const HZ = 100; // clock ticks per second in /proc/PID/stat (getconf CLK_TCK)

// The daemon's config: one 200 Hz sensor source shared by GROUPS groups,
// each cutting a 0.1 s window every 0.1 s (10 windows/s per group, every
// group on the same aligned instants), and TOKENS reviewers.
//
// Windows nobody labels leave with an Expired record, an XADD like a
// label's: a supply far beyond what is labeled would spend the daemon on
// those. The throughput phase therefore lets unlabeled windows wait (a
// long queue_timeout, a deep queue_max) instead of expiring during the run.
function config(p, { groups, tokens, everySeconds = 0.1, queueMax = 4, queueTimeout = 5, spool = null }) {
  let s = `[daemon]
listen = 127.0.0.1:${p.http}
max_messages_per_second = 100000
[redis]
port = ${p.redis}
${spool ? `[spool]\ndir = ${spool}\n` : ''}[source imu]
kind = sensor
listen = 127.0.0.1:${p.sensor}
channels = ax,ay,az
ring_seconds = 10
`;
  for (let g = 0; g < groups; g++) {
    s += `[group g${g}]
sources = imu
window_seconds = 0.1
every_seconds = ${everySeconds}
lateness_ms = 100
classes = none,square,circle
time_box_seconds = 30
queue_max = ${queueMax}
queue_timeout_seconds = ${queueTimeout}
`;
  }
  for (let i = 0; i < tokens; i++) s += `[reviewer r${i}]\ntoken = ${TOKEN}${i}\n`;
  return s;
}

// CPU seconds (user + system) PID has used so far, or null when gone.
function cpuSeconds(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / HZ;
  } catch {
    return null;
  }
}

// Busy and total jiffies of the whole machine (/proc/stat "cpu" line).
function machine() {
  const v = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + v[4];
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]);
}

function openFilesLimit(pid) {
  const m = /Max open files\s+(\d+|unlimited)/.exec(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'));
  return m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

async function metrics(stack) {
  const body = (await h.httpGet(`${stack.httpUrl}/metrics`)).body;
  const get = (name) => {
    const re = new RegExp(`^${name.replace(/[{}"=]/g, (c) => `\\${c}`)} (\\S+)$`, 'm');
    const m = re.exec(body);
    return m ? Number(m[1]) : 0;
  };
  return get;
}

// Runs ringside-load with ARGS, sampling its CPU; resolves with its JSON
// report and the CPU seconds it used.
function runLoad(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(LOAD, [...args, '--report-json', '--progress', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let cpu = 0;
    const t = setInterval(() => { cpu = cpuSeconds(p.pid) ?? cpu; }, 250);
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => {
      clearInterval(t);
      if (code !== 0) return reject(new Error(`ringside-load exited ${code}: ${err}`));
      resolve({ report: JSON.parse(out.trim().split('\n').pop()), cpu, stderr: err });
    });
  });
}

// redis-benchmark running COMMAND (array) on PORT with -c CLIENTS -P PIPELINE.
function redisBenchmark(port, clients, requests, command, pipeline = 1) {
  const csv = execFileSync('redis-benchmark', ['-p', String(port), '-c', String(clients), '-P', String(pipeline),
    '-n', String(requests), '--csv', ...command], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const row = csv.trim().split('\n').pop().split(',').map((x) => x.replace(/"/g, ''));
  return { rps: Number(row[1]), p50: Number(row[4]), p99: Number(row[6]) };
}

// An XADD of an entry shaped like the newest label in the stream: the same
// fields, every value of the same length ('x' for the binary pb).
async function xaddLike(stack) {
  const entries = await stack.client.xrevrangeBuffer('ringside:labels', '+', '-', 'COUNT', 1);
  const flat = entries[0][1];
  const cmd = ['XADD', 'bench:xadd', 'MAXLEN', '~', '1000000', '*'];
  let bytes = 0;
  for (let i = 0; i < flat.length; i += 2) {
    const k = flat[i].toString();
    cmd.push(k, k === 'pb' ? 'x'.repeat(flat[i + 1].length) : flat[i + 1].toString());
    bytes += flat[i].length + flat[i + 1].length;
  }
  return { cmd, bytes };
}

const f3 = (x) => Number(x).toFixed(3);
const pctOf = (used, s) => `${((100 * used) / s).toFixed(0)} %`;

async function throughput(n) {
  const stack = await h.startStack({ name: 'scale',
    config: (p) => config(p, { groups: GROUPS, tokens: n, queueMax: 1000, queueTimeout: 600 }) });
  try {
    // Windows cut before the reviewers arrive wait for them: the backlog
    // (PREFILL_S x the supply) plus what is cut during the run is more than
    // the daemon can label, so labels/s measures its capacity, not the
    // supply. The last seconds of the prefill, with no reviewer, give what
    // cutting alone costs ringsided per second.
    await h.sleep(Math.max(0, PREFILL_S - 4) * 1000);
    const c0 = cpuSeconds(stack.daemon.pid);
    const tc0 = Date.now();
    await h.sleep(Math.min(PREFILL_S, 4) * 1000);
    const cutCpuPerS = (cpuSeconds(stack.daemon.pid) - c0) / ((Date.now() - tc0) / 1000);
    const waiting0 = (await metrics(stack))('ringside_windows_waiting');
    const d0 = cpuSeconds(stack.daemon.pid);
    const r0 = cpuSeconds(stack.redis.proc.pid);
    const m0 = machine();
    const t0 = Date.now();
    const { report: rep, cpu: loadCpu } = await runLoad(['--url', stack.wsUrl, '--token-prefix', TOKEN,
      '--reviewers', String(n), '--duration', String(SECONDS), '--drain', '5',
      '--connect-rate', '2000']);
    const s = (Date.now() - t0) / 1000;
    const m1 = machine();
    const daemonCpu = cpuSeconds(stack.daemon.pid) - d0;
    const redisCpu = cpuSeconds(stack.redis.proc.pid) - r0;
    const get = await metrics(stack);
    const { cmd, bytes } = await xaddLike(stack);
    const rb0 = cpuSeconds(stack.redis.proc.pid);
    const base = redisBenchmark(stack.ports.redis, n, 300000, cmd);
    const baseCpu = cpuSeconds(stack.redis.proc.pid) - rb0;
    const supply = GROUPS * 10;
    console.log(`\n== throughput: ${n} reviewers answering at once (think 0), ${SECONDS} s ==`);
    const waiting1 = get('ringside_windows_waiting');
    console.log(`window supply     ${supply}/s (${GROUPS} groups x 10 windows/s); ${waiting0} waiting when the ` +
      `reviewers came, ${waiting1} waiting unlabeled at the end: ` +
      (waiting1 > supply ? 'capacity-limited (more windows than were labeled)'
        : 'SUPPLY-LIMITED: labels/s is the supply, not capacity (raise --groups or --prefill)'));
    console.log(`labels acked      ${rep.labels_acked}, ${rep.labels_per_s.toFixed(0)} labels/s ` +
      `(${rep.labels_unacked} unacked, errors ${JSON.stringify(rep.errors)}, ${rep.reconnects} reconnects)`);
    console.log(`windows expired   queue_full ${get('ringside_windows_expired_total{reason="queue_full"}')}, ` +
      `unassigned ${get('ringside_windows_expired_total{reason="unassigned"}')} (supply beyond what was labeled)`);
    console.log(`submit->ack ms    p50 ${f3(rep.submit_ack_ms.p50)}  p99 ${f3(rep.submit_ack_ms.p99)}  max ${f3(rep.submit_ack_ms.max)}`);
    console.log(`redis-benchmark   XADD ${bytes}-byte entry, -c ${n} -P 1: ${base.rps.toFixed(0)} req/s, ` +
      `p50 ${f3(base.p50)} ms, p99 ${f3(base.p99)} ms`);
    console.log(`ratio             labels/s / XADD/s = ${(rep.labels_per_s / base.rps).toFixed(2)} (target >= 0.5)`);
    const labelCpu = daemonCpu - cutCpuPerS * s;
    console.log(`per CPU-second   ringsided ${(rep.labels_acked / daemonCpu).toFixed(0)} labels (cutting the ` +
      `windows included), ${(rep.labels_acked / labelCpu).toFixed(0)} without it (cutting alone: ` +
      `${pctOf(cutCpuPerS, 1)} of a core before the reviewers came), ` +
      `${((1e6 * labelCpu) / rep.labels_acked).toFixed(1)} us per label; redis-server ` +
      `${(300000 / baseCpu).toFixed(0)} XADDs under redis-benchmark: ` +
      `ratio ${(rep.labels_acked / daemonCpu / (300000 / baseCpu)).toFixed(2)}`);
    console.log(`CPU over the run  ringsided ${pctOf(daemonCpu, s)}, ringside-load ${pctOf(loadCpu, s)}, ` +
      `redis-server ${pctOf(redisCpu, s)} of one core; machine ` +
      `${((100 * (m1.busy - m0.busy)) / (m1.total - m0.total)).toFixed(0)} % busy of 2 cores`);
    return { n, rate: rep.labels_per_s, base: base.rps };
  } finally {
    await stack.stop();
  }
}

async function latency(n) {
  // One group per 20 reviewers: n/2 windows/s, while n reviewers thinking
  // THINK_MS (1 s) each could label n/s, so a window normally finds a free
  // reviewer at the instant it is cut (offer -> task is then cut -> socket).
  const groups = Math.max(1, Math.round(n / 20));
  const stack = await h.startStack({ name: 'scale', config: (p) => config(p, { groups, tokens: n }) });
  try {
    await h.sleep(1000);
    const d0 = cpuSeconds(stack.daemon.pid);
    const t0 = Date.now();
    // Figures from WARMUP s after every reviewer signed in: the windows cut
    // before they came, and the ramp itself, are not what is measured.
    const { report: rep } = await runLoad(['--url', stack.wsUrl, '--token-prefix', TOKEN,
      '--reviewers', String(n), '--duration', String(SECONDS + WARMUP_S + 1), '--warmup', String(WARMUP_S),
      '--think-ms', String(THINK_MS), '--think-jitter-ms', String(Math.round(THINK_MS / 2)),
      '--connect-rate', '2000']);
    const s = (Date.now() - t0) / 1000;
    const daemonCpu = cpuSeconds(stack.daemon.pid) - d0;
    // Daemon side from the stored labels: window end -> offer (assigned_ns).
    const from = BigInt(t0 + (WARMUP_S + 1) * 1000) * 1000000n;
    const labels = (await stack.readStream('ringside:labels')).filter((l) => BigInt(l.pb.windowEndNs) >= from);
    const endOffer = labels.map((l) => Number(BigInt(l.pb.assignedNs) - BigInt(l.pb.windowEndNs)) / 1e6)
      .sort((a, b) => a - b);
    const q = (p) => endOffer[Math.min(endOffer.length - 1, Math.floor((p / 100) * endOffer.length))];
    const { cmd } = await xaddLike(stack);
    const base = redisBenchmark(stack.ports.redis, 1, 20000, cmd);
    console.log(`\n== latency: ${n} reviewers, think ${THINK_MS} +- ${Math.round(THINK_MS / 2)} ms, ` +
      `${groups} groups (${groups * 10} windows/s), ${SECONDS} s ==`);
    console.log(`labels acked      ${rep.labels_acked} (${rep.labels_per_s.toFixed(0)}/s), ` +
      `errors ${JSON.stringify(rep.errors)}, ${rep.reconnects} reconnects; ringsided ${pctOf(daemonCpu, s)} of one core`);
    console.log(`submit->ack ms    p50 ${f3(rep.submit_ack_ms.p50)}  p90 ${f3(rep.submit_ack_ms.p90)}  ` +
      `p99 ${f3(rep.submit_ack_ms.p99)}  max ${f3(rep.submit_ack_ms.max)}  (target p99 < 5)`);
    console.log(`redis-benchmark   XADD -c 1: p50 ${f3(base.p50)}  p99 ${f3(base.p99)} ms (an unloaded round trip); ` +
      `ratio p50 ${(rep.submit_ack_ms.p50 / base.p50).toFixed(1)}x, p99 ${(rep.submit_ack_ms.p99 / base.p99).toFixed(1)}x`);
    console.log(`end->offer ms     p50 ${f3(q(50))}  p99 ${f3(q(99))}  (daemon: window end to offer = waiting for data past the end + 20 ms tick)`);
    console.log(`offer->task ms    p50 ${f3(rep.offer_task_ms.p50)}  p99 ${f3(rep.offer_task_ms.p99)}  ` +
      `max ${f3(rep.offer_task_ms.max)}  (cut -> on the socket; target p99 < 20)`);
    console.log(`end->task ms      p50 ${f3(rep.end_task_ms.p50)}  p99 ${f3(rep.end_task_ms.p99)}  max ${f3(rep.end_task_ms.max)}`);
    return { n, rep, base };
  } finally {
    await stack.stop();
  }
}

// Opens N idle TCP connections to PORT; resolves with the sockets.
async function openIdle(port, n) {
  const socks = [];
  for (let i = 0; i < n; i += 500) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 500); j++) {
      batch.push(new Promise((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1', () => resolve(s));
        s.on('error', reject);
      }));
    }
    socks.push(...(await Promise.all(batch)));
  }
  return socks;
}

// The spool's replay: redis-server goes away, reviewers label for OUTAGE_S
// (each label acked once fsync'd in the spool), redis-server comes back
// empty and ringsided replays the spool into it. The rate is ringsided's
// own figure (its "spool replayed: N record(s) in S s" line), checked
// against the stream's length.
async function replay() {
  const n = 200;
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'ringside-replay-spool-'));
  const stack = await h.startStack({ name: 'scale',
    config: (p) => config(p, { groups: GROUPS, tokens: n, queueMax: 1000, queueTimeout: 600, spool: dir }) });
  try {
    await h.sleep(5000);
    await h.stopProcess(stack.redis.proc, 'SIGKILL');
    stack.redis.client.disconnect();
    const { report: rep } = await runLoad(['--url', stack.wsUrl, '--token-prefix', TOKEN,
      '--reviewers', String(n), '--duration', String(OUTAGE_S), '--drain', '5', '--connect-rate', '2000']);
    const spooled = fs.readdirSync(dir).reduce((b, f) => b + fs.statSync(path.join(dir, f)).size, 0);
    stack.redis = await h.startRedis(stack.dir, stack.ports.redis);
    stack.client = stack.redis.client;
    let m = null;
    await h.waitFor('ringsided to replay its spool', () => {
      m = /spool replayed: (\d+) record\(s\) in ([\d.]+) s/.exec(stack.daemonLog());
      return m;
    }, 600000, 200);
    const records = Number(m[1]);
    const secs = Number(m[2]);
    const stored = await stack.client.xlen('ringside:labels');
    const { cmd, bytes } = await xaddLike(stack);
    const base = redisBenchmark(stack.ports.redis, 1, 200000, cmd, REPLAY_WINDOW);
    console.log(`\n== replay: ${n} reviewers labeling for ${OUTAGE_S} s with redis-server down, then back ==`);
    console.log(`labels acked      ${rep.labels_acked} during the outage (${rep.labels_per_s.toFixed(0)}/s, ` +
      `errors ${JSON.stringify(rep.errors)}), spool ${(spooled / 1048576).toFixed(1)} MiB`);
    console.log(`replayed          ${records} records in ${secs.toFixed(2)} s: ${(records / secs).toFixed(0)} records/s ` +
      `(${stored} labels in the stream after it; every acked label stored: ${stored >= rep.labels_acked ? 'yes' : 'NO'})`);
    console.log(`redis-benchmark   XADD ${bytes}-byte entry, -c 1 -P ${REPLAY_WINDOW}: ${base.rps.toFixed(0)} req/s`);
    console.log(`ratio             replayed/s / XADD/s = ${(records / secs / base.rps).toFixed(2)}`);
  } finally {
    await stack.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function memory() {
  const stack = await h.startStack({ name: 'scale',
    config: (p) => config(p, { groups: 1, tokens: 100, everySeconds: 3600 }) });
  let load;
  try {
    const limit = openFilesLimit(stack.daemon.pid);
    if (limit < IDLE + 100) console.log(`warning: ringsided may open only ${limit} files; raise ulimit -n`);
    await h.sleep(2000);
    const before = rssKiB(stack.daemon.pid);
    load = spawn(LOAD, ['--url', stack.wsUrl, '--token-prefix', TOKEN, '--token-count', '100',
      '--reviewers', String(IDLE), '--idle', '--connect-rate', '500', '--progress', '0'],
    { stdio: ['ignore', 'ignore', 'inherit'] });
    const get = await h.waitFor(`${IDLE} reviewers signed in`, async () => {
      const g = await metrics(stack);
      return g('ringside_reviewers_signed_in') >= IDLE ? g : null;
    }, 300000, 1000);
    await h.sleep(3000);
    const after = rssKiB(stack.daemon.pid);
    load.kill('SIGTERM');
    await new Promise((r) => load.on('exit', r));
    await h.sleep(2000);
    const released = rssKiB(stack.daemon.pid);

    // Baseline: redis-server's RSS per idle client connection.
    const rb = rssKiB(stack.redis.proc.pid);
    const socks = await openIdle(stack.ports.redis, IDLE);
    await h.sleep(2000);
    const ra = rssKiB(stack.redis.proc.pid);
    for (const s of socks) s.destroy();

    const per = (after - before) / IDLE;
    const rper = (ra - rb) / IDLE;
    console.log(`\n== memory: ${IDLE} idle reviewer connections (hello, then nothing) ==`);
    console.log(`ringsided RSS     ${before} KiB before, ${after} KiB with ${get('ringside_connections')} ` +
      `connections, ${released} KiB after they closed`);
    console.log(`per connection    ${per.toFixed(1)} KiB (target <= 16)`);
    console.log(`redis-server      ${rb} KiB before, ${ra} KiB with ${IDLE} idle clients: ${rper.toFixed(1)} KiB per connection`);
    console.log(`ratio             ${(per / rper).toFixed(2)}x redis-server's per-connection memory`);
  } finally {
    if (load && load.exitCode === null) load.kill('SIGKILL');
    await stack.stop();
  }
}

(async () => {
  console.log(`review_scale on ${require('os').cpus().length} cores (shared with other work: compare ratios)`);
  if (PHASES.includes('throughput')) await throughput(REVIEWERS);
  if (PHASES.includes('latency')) for (const n of LAT_REVIEWERS) await latency(n);
  if (PHASES.includes('memory')) await memory();
  if (PHASES.includes('replay')) await replay();
})().catch((e) => { console.error(e); process.exit(1); });

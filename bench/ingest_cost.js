// Benchmark: what ingest costs. One ringsided ingests 8 video sources
// (640x360 @ 15 fps, JPEG), 8 audio (16 kHz) and 8 sensors (1 kHz x 6
// channels, from 8 ringside-sensor processes), cut into 8 groups (a 4 s
// window every 10 s, no reviewers, so windows expire). It reports:
//
//   ringsided CPU (utime + stime from /proc) as % of one core and of the
//   machine, RSS, and CPU per thread name (where the time goes);
//   CPU per kind, from three more phases with only video, only audio, only
//   sensors;
//   the baseline: the same 8 video and 8 audio pipelines in gst-launch-1.0
//   ending in fakesink, i.e. GStreamer's own capture/convert/encode cost,
//   and the ringside-sensor feeders' own CPU;
//   samples/s per source against the nominal rate, and every drop counter;
//   memory per ring-second per kind: ring payload bytes / seconds held, and
//   RSS growth / ring-seconds gained while single-kind rings fill.
//
// Usage: node bench/ingest_cost.js [--seconds S] [--phase-seconds P] [--count N]
// (defaults 60, 40, 8). See docs/benchmarks.md.
'use strict';
const h = require('../tests/lib/harness');
const c = require('./cost_lib');

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const SECONDS = arg('seconds', 60);
const PHASE_SECONDS = arg('phase-seconds', 40);
const COUNT = arg('count', 8);
const WARMUP_S = 10; // pipelines negotiate and settle before measuring
const FILL_FROM_S = 5; // first point of the ring-fill memory figure
const KINDS = ['video', 'audio', 'sensor'];

// CPU seconds of every process in PROCS, the machine's busy share, and when.
function snapshot(pids) {
  return { t: Date.now() / 1000, cpu: pids.map(c.cpuSeconds), machine: c.machineTicks() };
}

// % of one core used by each process group between snapshots A and B.
function corePct(a, b, idx) {
  const secs = b.t - a.t;
  return idx.reduce((s, i) => s + (b.cpu[i] - a.cpu[i]), 0) / secs * 100;
}

function machineBusyPct(a, b) {
  return ((b.machine.busy - a.machine.busy) / (b.machine.total - a.machine.total)) * 100;
}

// Sum of every /metrics line of NAME for SOURCE (any further labels).
function sumOf(m, name, source) {
  const prefix = `${name}{source="${source}"`;
  let s = 0;
  for (const [k, v] of Object.entries(m)) if (k.startsWith(prefix)) s += v;
  return s;
}

// One phase with ringsided: N sources per kind, SECONDS measured after the
// warm-up. Returns CPU, RSS, per-source rates and drops, ring figures.
async function ringsidePhase(label, n, seconds) {
  const ports = await c.sensorPorts(n.sensor);
  const stack = await h.startStack({ name: 'cost', sensor: false,
    config: (p) => c.config(p, ports, n) });
  const sensors = c.startSensors(stack.dir, ports);
  const started = Date.now();
  const pid = stack.daemon.pid;
  const names = c.sourceNames(n);
  const ringTotal = (m) => names.reduce((s, x) => s + c.of(m, 'ringside_ring_bytes', x), 0);
  const heldTotal = (m) => names.reduce((s, x) =>
    s + c.of(m, 'ringside_ring_samples', x) / c.RATE[c.kindOf(x)], 0);
  try {
    await h.sleep(FILL_FROM_S * 1000);
    const fill0 = { rss: c.rssBytes(pid), m: await c.metrics(stack) };
    await h.sleep(Math.max(0, started + WARMUP_S * 1000 - Date.now()));
    const pids = [pid, ...sensors.map((s) => s.pid)];
    const m0 = await c.metrics(stack);
    const th0 = c.threadCpu(pid);
    const a = snapshot(pids);
    await h.sleep(seconds * 1000);
    const b = snapshot(pids);
    const th1 = c.threadCpu(pid);
    const m1 = await c.metrics(stack);
    const rss = c.rssBytes(pid);
    if (stack.daemon.exitCode !== null) throw new Error('ringsided exited during the phase');
    const secs = b.t - a.t;
    const sensorIdx = sensors.map((_, i) => i + 1);
    const r = {
      label, n, secs, rss,
      daemonPct: corePct(a, b, [0]),
      sensorsPct: corePct(a, b, sensorIdx),
      machinePct: machineBusyPct(a, b),
      threads: Object.entries(th1).map(([k, v]) => [k, ((v - (th0[k] || 0)) / secs) * 100])
        .sort((x, y) => y[1] - x[1]),
      perKind: {},
      // Ring-fill memory: RSS gained per ring-second gained since FILL_FROM_S.
      fill: { rss: rss - fill0.rss, ringBytes: ringTotal(m1) - ringTotal(fill0.m),
        ringSeconds: heldTotal(m1) - heldTotal(fill0.m) },
    };
    for (const kind of KINDS) {
      const ss = names.filter((x) => c.kindOf(x) === kind);
      if (!ss.length) continue;
      const d = (name, x) => sumOf(m1, name, x) - sumOf(m0, name, x);
      const rates = ss.map((x) => d('ringside_source_samples_total', x) / secs);
      // Seconds of history each ring holds, from its sample count and rate.
      const held = ss.map((x) => c.of(m1, 'ringside_ring_samples', x) / c.RATE[kind]);
      const bytes = ss.map((x) => c.of(m1, 'ringside_ring_bytes', x));
      r.perKind[kind] = {
        rates,
        bytesPerSample: ss.reduce((s, x) => s + d('ringside_source_bytes_total', x), 0) /
          ss.reduce((s, x) => s + d('ringside_source_samples_total', x), 0),
        held: held.reduce((s, x) => s + x, 0) / ss.length,
        bytesPerRingSecond: bytes.reduce((s, x, i) => s + x / held[i], 0) / ss.length,
        dropped: ss.reduce((s, x) => s + d('ringside_source_dropped_total', x), 0),
        overflow: ss.reduce((s, x) => s + d('ringside_ring_overflow_total', x), 0),
        late: ss.reduce((s, x) => s + d('ringside_ring_late_dropped_total', x), 0),
        lost: ss.reduce((s, x) => s + d('ringside_sensor_lost_datagrams_total', x), 0),
        errors: ss.reduce((s, x) => s + d('ringside_source_errors_total', x), 0),
      };
    }
    return r;
  } catch (e) {
    await stack.dumpLogs().catch(() => {});
    throw e;
  } finally {
    for (const s of sensors) await h.stopProcess(s);
    await stack.stop();
  }
}

// The baseline: COUNT copies of the pipeline ringsided would build for
// KIND, in one gst-launch-1.0 process (one chain and streaming thread each,
// as in ringsided), ending in fakesink.
async function gstPhase(label, kind, count, seconds) {
  const chain = kind === 'video' ? c.VIDEO_SRC + c.VIDEO_TAIL : c.AUDIO_SRC + c.AUDIO_TAIL;
  const args = ['-q'];
  for (let i = 0; i < count; i++) args.push(...chain.split(' '));
  const dir = require('fs').mkdtempSync(require('path').join(require('os').tmpdir(), 'ringside-gst-'));
  const proc = h.startProcess(dir, `gst-${kind}`, 'gst-launch-1.0', args);
  try {
    await h.sleep(WARMUP_S * 1000);
    if (proc.exitCode !== null) throw new Error(`gst-launch-1.0 exited: see ${proc.logPath}`);
    const a = snapshot([proc.pid]);
    await h.sleep(seconds * 1000);
    const b = snapshot([proc.pid]);
    return { label, secs: b.t - a.t, daemonPct: corePct(a, b, [0]), sensorsPct: 0,
      machinePct: machineBusyPct(a, b), rss: c.rssBytes(proc.pid) };
  } finally {
    await h.stopProcess(proc, 'SIGINT');
    require('fs').rmSync(dir, { recursive: true, force: true });
  }
}

const f1 = (x) => x.toFixed(1);

function printPhases(rows) {
  console.log('\nphase                       process %core  %machine  RSS MiB  feeders %core  machine busy %');
  for (const r of rows) {
    console.log(`${r.label.padEnd(27)} ${f1(r.daemonPct).padStart(13)} ${f1(r.daemonPct / c.CORES).padStart(9)}` +
      ` ${f1(r.rss / c.MiB).padStart(8)} ${f1(r.sensorsPct).padStart(14)} ${f1(r.machinePct).padStart(15)}`);
  }
}

function printSources(r) {
  console.log(`\nsources in "${r.label}" over ${f1(r.secs)} s`);
  console.log('kind    n  samples/s min/avg/max (nominal)  bytes/sample  dropped  overflow  late  lost  errors');
  for (const [kind, k] of Object.entries(r.perKind)) {
    const avg = k.rates.reduce((s, x) => s + x, 0) / k.rates.length;
    console.log(`${kind.padEnd(7)} ${String(k.rates.length).padStart(2)}  ` +
      `${f1(Math.min(...k.rates))}/${f1(avg)}/${f1(Math.max(...k.rates))} (${c.RATE[kind]})`.padEnd(33) +
      `${k.bytesPerSample.toFixed(0).padStart(12)} ${String(k.dropped).padStart(8)} ${String(k.overflow).padStart(9)}` +
      ` ${String(k.late).padStart(5)} ${String(k.lost).padStart(5)} ${String(k.errors).padStart(7)}`);
  }
  console.log('busiest threads of ringsided (% of one core, digits folded to N):');
  console.log('  ' + r.threads.slice(0, 8).map(([k, v]) => `${k} ${f1(v)}`).join(', '));
}

(async () => {
  const all = { video: COUNT, audio: COUNT, sensor: COUNT };
  h.log(`ingest_cost: ${COUNT} video + ${COUNT} audio + ${COUNT} sensor, ${SECONDS} s; ` +
    `per-kind phases ${PHASE_SECONDS} s; ${c.CORES} cores`);
  const main = await ringsidePhase(`ringsided all (${COUNT}+${COUNT}+${COUNT})`, all, SECONDS);
  const kinds = {};
  for (const kind of KINDS) {
    const n = { video: 0, audio: 0, sensor: 0, [kind]: COUNT };
    h.log(`phase: ${kind} only`);
    kinds[kind] = await ringsidePhase(`ringsided ${kind} only (${COUNT})`, n, PHASE_SECONDS);
  }
  h.log('phase: gst-launch baselines');
  const gv = await gstPhase(`gst-launch video (${COUNT})`, 'video', COUNT, PHASE_SECONDS);
  const ga = await gstPhase(`gst-launch audio (${COUNT})`, 'audio', COUNT, PHASE_SECONDS);

  printPhases([main, kinds.video, kinds.audio, kinds.sensor, gv, ga]);
  for (const r of [main, kinds.video, kinds.audio, kinds.sensor]) printSources(r);

  // Ratios against GStreamer alone: what ringside adds on top of capturing
  // and encoding (appsink, copy, ring, cutter, metrics, main loop).
  const base = gv.daemonPct + ga.daemonPct;
  console.log('\nringside against its baseline (% of one core)');
  console.log(`  video:  ${f1(kinds.video.daemonPct)} vs gst ${f1(gv.daemonPct)}  ` +
    `ratio ${(kinds.video.daemonPct / gv.daemonPct).toFixed(2)}x  (+${f1(kinds.video.daemonPct - gv.daemonPct)})`);
  console.log(`  audio:  ${f1(kinds.audio.daemonPct)} vs gst ${f1(ga.daemonPct)}  ` +
    `ratio ${(kinds.audio.daemonPct / ga.daemonPct).toFixed(2)}x  (+${f1(kinds.audio.daemonPct - ga.daemonPct)})`);
  console.log(`  sensor: ${f1(kinds.sensor.daemonPct)} in ringsided; the feeders themselves ${f1(kinds.sensor.sensorsPct)}`);
  console.log(`  all:    ${f1(main.daemonPct)} vs gst video+audio ${f1(base)}  ratio ${(main.daemonPct / base).toFixed(2)}x; ` +
    `sum of single-kind phases ${f1(kinds.video.daemonPct + kinds.audio.daemonPct + kinds.sensor.daemonPct)}`);
  const perSource = (r) => r.daemonPct / COUNT;
  console.log(`  per source: video ${perSource(kinds.video).toFixed(2)}, audio ${perSource(kinds.audio).toFixed(2)}, ` +
    `sensor ${perSource(kinds.sensor).toFixed(2)} % of one core`);
  const machine = main.daemonPct / c.CORES;
  console.log(`\ntarget: all sources under 50 % of the machine (${c.CORES} cores): ${f1(machine)} % -> ` +
    (machine < 50 ? `met, ${f1(50 - machine)} points to spare` : `missed by ${f1(machine - 50)} points`));

  console.log('\nmemory per ring-second, per source (steady state, rings held ~30 s)');
  console.log('kind    held s  payload bytes/s  RSS growth/ring-s while filling  RSS/payload');
  for (const kind of KINDS) {
    const k = main.perKind[kind];
    const fill = kinds[kind].fill;
    const rssPerS = fill.rss / fill.ringSeconds;
    const payloadPerS = fill.ringBytes / fill.ringSeconds;
    console.log(`${kind.padEnd(7)} ${f1(k.held).padStart(6)} ${k.bytesPerRingSecond.toFixed(0).padStart(16)}` +
      ` ${rssPerS.toFixed(0).padStart(32)} ${(rssPerS / payloadPerS).toFixed(2).padStart(12)}`);
  }
})().catch((e) => { console.error(e); process.exit(1); });

// Benchmark: cross-modal alignment error over many markers.
//
// The sync probe of tests/integration/sync_probe.test.js run longer: three
// ringside-scene processes put a marker on every whole second in video
// (white frame), audio (2 ms click) and sensor (spike), over paths delayed
// 120 / 40 / 10 ms, the sensor's clock 5.25 s off and 100 ppm fast. Prints
// min / p50 / p95 / max of where each marker lands against the truth and
// between modalities, and, measured in the same run on the same streams,
// the baselines: arrival stamping (clock=pipeline) for video and audio, and
// the sensor clock estimate without offset_ms (the path delay uncorrected).
//
// Usage: node bench/sync_probe.js [--markers N] (default 60)
// Needs a build (RINGSIDED, RINGSIDE_BIN) like the tests; see docs/benchmarks.md.
'use strict';
const h = require('../tests/lib/harness');
const sp = require('../tests/lib/syncprobe');

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const MARKERS = arg('markers', 60);
const WARMUP_S = 5;

(async () => {
  const pp = await sp.probePorts();
  const stack = await h.startStack({ name: 'bench-sync', sensor: false,
    config: (p) => sp.probeConfig(p, pp, { extra: true }) });
  const senders = sp.startSenders(stack, pp, { extra: true });
  let rc = 0;
  try {
    const startNs = BigInt(Date.now()) * 1000000n;
    const fromNs = startNs + BigInt(WARMUP_S) * 1000000000n;
    const untilNs = fromNs + BigInt(MARKERS + 1) * 1000000000n;
    const windows = await sp.collectWindows(stack, untilNs);
    const { markers } = await sp.measure(stack.dir, windows, {
      cam: 'video', mic: 'audio', imu: 'sensor', cam_arrival: 'video', mic_arrival: 'audio',
      imu_raw: 'sensor',
    }, fromNs);

    const col = (f) => markers.map(f).filter((x) => x !== null && x !== undefined).map(sp.ms);
    const vs = (a, b) => ({ t }) => (t[a] !== null && t[b] !== null ? t[a] - t[b] : null);
    const truth = (a) => ({ m, t }) => (t[a] !== null ? t[a] - m : null);
    const missing = ['cam', 'mic', 'imu'].map((s) => `${s} ${markers.filter(({ t }) => t[s] === null).length}`);
    console.log(`sync probe: ${markers.length} markers judged (every ${sp.MARKER_MS} ms, after a ` +
      `${WARMUP_S} s warm-up), delays video ${sp.DELAY_MS.video} / audio ${sp.DELAY_MS.audio} / ` +
      `sensor ${sp.DELAY_MS.sensor} ms, sensor clock +${sp.CLOCK_OFFSET_MS} ms, ` +
      `${sp.DRIFT_PPM} ppm; not found: ${missing.join(', ')}`);
    console.log('error (ms)                          ');
    console.log(`video  - truth (RTCP SR)           ${sp.stats(col(truth('cam')))}`);
    console.log(`audio  - truth (RTCP SR)           ${sp.stats(col(truth('mic')))}`);
    console.log(`sensor - truth (estimate+offset)   ${sp.stats(col(truth('imu')))}`);
    console.log(`audio  - sensor                    ${sp.stats(col(vs('mic', 'imu')))}`);
    console.log(`video  - audio                     ${sp.stats(col(vs('cam', 'mic')))}`);
    console.log('baselines, same run:');
    console.log(`video  - truth (arrival)           ${sp.stats(col(truth('cam_arrival')))}`);
    console.log(`audio  - truth (arrival)           ${sp.stats(col(truth('mic_arrival')))}`);
    console.log(`video  - audio (arrival)           ${sp.stats(col(vs('cam_arrival', 'mic_arrival')))}`);
    console.log(`sensor - truth (estimate only)     ${sp.stats(col(truth('imu_raw')))}`);
    console.log(`audio  - sensor (arrival, est.)    ${sp.stats(col(vs('mic_arrival', 'imu_raw')))}`);
    console.log(`sensor - truth (device clock)      +${sp.CLOCK_OFFSET_MS} ms + ${sp.DRIFT_PPM} ppm ` +
      'of the time since the device started (by construction)');

    // The warm-up, marker by marker: before the first sender report, media
    // are stamped on arrival; the sensor estimate starts from the first pairs.
    const early = await sp.measure(stack.dir, windows, { cam: 'video', mic: 'audio', imu: 'sensor' },
      startNs - 1000000000n);
    const f = (x) => (x === null ? '       -' : sp.ms(x).toFixed(3).padStart(8));
    console.log(`warm-up (senders started at ${startNs / 1000000n} ms): video, audio, sensor - truth (ms)`);
    for (const { m, t } of early.markers.filter(({ m }) => m < fromNs)) {
      const rel = (x) => (x === null ? null : x - m);
      console.log(`  +${((Number(m - startNs) / 1e9)).toFixed(1).padStart(4)} s ${f(rel(t.cam))} ` +
        `${f(rel(t.mic))} ${f(rel(t.imu))}`);
    }
  } catch (e) {
    console.error(`bench failed: ${e.stack || e}`);
    await stack.dumpLogs();
    rc = 1;
  } finally {
    for (const p of senders) await h.stopProcess(p);
    await stack.stop();
  }
  process.exit(rc);
})();

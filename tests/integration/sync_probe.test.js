// Cross-modal alignment, measured: three separate sender processes put a
// marker on every whole second (a white frame, a 2 ms click, a spike on
// accel_x) over paths delayed 120 ms (video), 40 ms (audio) and 10 ms
// (sensor), the sensor's clock 5.25 s off and 100 ppm fast. In the windows a
// reviewer gets, the click and the spike must be within 1 ms of each other
// and the white frame within half a frame period of the click, for every
// marker after the warm-up. Arrival stamping of the same streams is printed
// for comparison.
'use strict';
const h = require('../lib/harness');
const sp = require('../lib/syncprobe');

// Markers before this (after the senders start) are not judged: the first
// RTCP sender reports and the sensor clock estimate need a few seconds.
const WARMUP_S = 5;
const JUDGED_S = 12;
const MIN_MARKERS = 8;

let pp;
const config = (p) => sp.probeConfig(p, pp);

(async () => {
  pp = await sp.probePorts();
  h.runTest('sync-probe', { sensor: false, config }, async (stack) => {
    const senders = sp.startSenders(stack, pp);
    try {
      const startNs = BigInt(Date.now()) * 1000000n;
      const fromNs = startNs + BigInt(WARMUP_S) * 1000000000n;
      const untilNs = fromNs + BigInt(JUDGED_S + 1) * 1000000000n;
      const windows = await sp.collectWindows(stack, untilNs);
      h.log(`${windows.length} windows, ${windows[0].id} .. ${windows[windows.length - 1].id}`);

      const { markers } = await sp.measure(stack.dir, windows, {
        cam: 'video', mic: 'audio', imu: 'sensor', cam_arrival: 'video', mic_arrival: 'audio',
      }, fromNs);
      const halfFrameMs = 1000 / sp.FPS / 2;
      const fmt = (x) => (x === null ? '      -' : sp.ms(x).toFixed(3).padStart(8));
      const rel = (t, m) => (t === null ? null : t - m);
      console.log('marker (ms after truth):  video     audio    sensor | audio-sensor video-audio ' +
        '| arrival: video   audio');
      const bad = [];
      for (const { m, t } of markers) {
        const as = t.mic !== null && t.imu !== null ? t.mic - t.imu : null;
        const va = t.cam !== null && t.mic !== null ? t.cam - t.mic : null;
        console.log(`${(m / 1000000n).toString()} ${fmt(rel(t.cam, m))} ${fmt(rel(t.mic, m))} ` +
          `${fmt(rel(t.imu, m))} | ${fmt(as)}     ${fmt(va)}    | ` +
          `${fmt(rel(t.cam_arrival, m))} ${fmt(rel(t.mic_arrival, m))}`);
        if (as === null || va === null) {
          bad.push(`marker ${m}: not found in ${['cam', 'mic', 'imu'].filter((s) => t[s] === null)}`);
          continue;
        }
        if (Math.abs(sp.ms(as)) > 1) bad.push(`marker ${m}: audio - sensor ${sp.ms(as)} ms`);
        if (Math.abs(sp.ms(va)) > halfFrameMs) bad.push(`marker ${m}: video - audio ${sp.ms(va)} ms`);
      }
      const col = (f) => markers.map(f).filter((x) => x !== null).map(sp.ms);
      console.log(`video  - truth   ${sp.stats(col(({ m, t }) => rel(t.cam, m)))}`);
      console.log(`audio  - truth   ${sp.stats(col(({ m, t }) => rel(t.mic, m)))}`);
      console.log(`sensor - truth   ${sp.stats(col(({ m, t }) => rel(t.imu, m)))}`);
      console.log(`arrival video    ${sp.stats(col(({ m, t }) => rel(t.cam_arrival, m)))}`);
      console.log(`arrival audio    ${sp.stats(col(({ m, t }) => rel(t.mic_arrival, m)))}`);

      h.assert(markers.length >= MIN_MARKERS,
        `${markers.length} markers judged, at least ${MIN_MARKERS} expected`);
      h.assert(bad.length === 0, `alignment bounds broken:\n  ${bad.join('\n  ')}`);
    } finally {
      for (const p of senders) await h.stopProcess(p);
    }
  });
})();

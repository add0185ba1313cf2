// Gaps and coverage on the wire: the sensor feeder is frozen (SIGSTOP)
// from the middle of a window until after that window is cut, so the
// window shows imu incomplete with one trailing gap of about half a second
// and coverage about 0.5, while cam and mic in the same window are
// complete with no gap; the next window is whole again.
//
// The feeder stamps each reading with its due time and, once continued,
// sends the readings it owes in a burst: a pause shorter than the cut
// would leave no gap. So the pause runs past the window's end plus
// lateness_ms, and the gap is the part of the window after the pause began.
'use strict';
const path = require('path');
const h = require('../lib/harness');

const MS = 1000000n;
const LATENESS_MS = 200;

const sleepUntil = (ms) => h.sleep(Math.max(0, ms - Date.now()));

// Labels every task until window WINDOW_ID arrives; returns it (unlabeled).
async function taskFor(reviewer, windowId) {
  for (let i = 0; i < 20; i++) {
    const { task } = await reviewer.next('task', 15000);
    if (task.window.id === windowId) return task.window;
    reviewer.submit({ labelId: h.labelId(), windowId: task.window.id, classes: ['none'] });
    const reply = await reviewer.next(['ack', 'error']);
    h.assert(reply.msg === 'ack', `ack expected, got ${JSON.stringify(reply.error)}`);
  }
  throw new Error(`window ${windowId} never offered`);
}

// Windows are [2k, 2k + 1) s on the UNIX timeline (every 2 s, 1 s long).
// Freezes FEEDER from the middle of one until LATENESS_MS and a margin
// after its end. A loaded machine may wake this test late: a pause that
// began outside [0.45, 0.7] s into the window is tried again on the next.
// Returns the window's start (ms) and when the pause began (ns).
async function pauseFeeder(feeder) {
  for (let attempt = 0; ; attempt++) {
    const startMs = Math.ceil((Date.now() + 1200) / 2000) * 2000;
    await sleepUntil(startMs + 500);
    const stopMs = Date.now();
    process.kill(feeder.pid, 'SIGSTOP');
    await sleepUntil(startMs + 1000 + LATENESS_MS + 500);
    process.kill(feeder.pid, 'SIGCONT');
    h.log(`feeder paused ${stopMs - startMs} ms into g:${startMs}000000 until ` +
      `${Date.now() - startMs} ms`);
    if (stopMs - startMs <= 700 || attempt === 2) {
      h.assert(stopMs - startMs <= 700, 'the test never woke up in time to pause the feeder');
      return { startMs, stopNs: BigInt(stopMs) * MS };
    }
  }
}

function byName(w) {
  return Object.fromEntries(w.sources.map((s) => [s.source, s]));
}

function assertWhole(src, w) {
  h.assert(src.complete, `${src.source} complete in ${w.id}`);
  h.assertEq(src.gaps, [], `${src.source} gaps in ${w.id}`);
  h.assertEq(src.coverage, 1, `${src.source} coverage in ${w.id}`);
}

h.runTest('gaps', { sensor: false, latenessMs: LATENESS_MS, queueMax: 16 }, async (stack) => {
  stack.sensor = h.startProcess(stack.dir, 'sensor', path.join(h.BIN, 'ringside-sensor'),
    ['--to', `127.0.0.1:${stack.ports.sensor}`, '--channels', 'ax,ay,az', '--rate', '200',
      '--batch', '1', '--test-signal', 'spikes', '--device', 'test-imu']);
  const reviewer = await stack.reviewer('alice');
  await reviewer.next('welcome');

  const { startMs, stopNs } = await pauseFeeder(stack.sensor);
  const windowId = `g:${BigInt(startMs) * MS}`;

  const w = await taskFor(reviewer, windowId);
  const end = BigInt(w.endNs);
  const { cam, mic, imu } = byName(w);
  assertWhole(cam, w);
  assertWhole(mic, w);
  h.assert(!imu.complete && !w.complete, 'imu and the window are incomplete');
  h.assertEq(imu.gaps.length, 1, `one imu gap: ${JSON.stringify(imu.gaps)}`);
  const gapStart = BigInt(imu.gaps[0].startNs);
  h.assertEq(BigInt(imu.gaps[0].endNs), end, 'the gap runs to the end of the window');
  // It starts at the last reading sent before the pause: readings are 5 ms
  // apart, but a loaded machine may hold the feeder back a little longer.
  h.assert(gapStart <= stopNs + MS && gapStart >= stopNs - 300n * MS,
    `gap starts at ${gapStart}, the pause at ${stopNs}`);
  const gapS = Number(end - gapStart) / 1e9;
  h.assert(gapS >= 0.3 && gapS < 0.86, `gap of ${gapS} s`);
  h.assert(Math.abs(imu.coverage - (1 - gapS)) < 1e-3,
    `coverage ${imu.coverage} is 1 - ${gapS}`);
  // readings up to the pause are there, none after it
  const last = BigInt(imu.samples[imu.samples.length - 1].tNs);
  h.assertEq(last, gapStart, 'the gap starts at the last reading');
  h.assert(stack.daemonLog().includes(`window ${windowId} cut incomplete: no data past its end from imu`),
    'the daemon logs the incomplete window');

  // The feeder caught up: the next window is whole.
  reviewer.submit({ labelId: h.labelId(), windowId, classes: ['none'] });
  h.assertEq((await reviewer.next(['ack', 'error'])).msg, 'ack', 'label acked');
  const nextId = `g:${BigInt(startMs + 2000) * MS}`;
  const next = await taskFor(reviewer, nextId);
  for (const src of next.sources) assertWhole(src, next);
});

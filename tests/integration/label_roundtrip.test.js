// The live loop end to end: a reviewer gets a task with every source's
// data, labels it, the ack comes after Redis has it, and both redis-cli
// style fields and the protobuf are right; ringside-tail reads it back.
'use strict';
const { execFile } = require('child_process');
const path = require('path');
const h = require('../lib/harness');

h.runTest('label-roundtrip', {}, async (stack) => {
  const r = await stack.reviewer('alice');
  const welcome = await r.next('welcome');
  h.assertEq(welcome.welcome.reviewer, 'alice', 'welcome names the reviewer');

  const { task } = await r.next('task', 15000);
  const w = task.window;
  const start = BigInt(w.startNs);
  const end = BigInt(w.endNs);
  h.assertEq(end - start, 1000000000n, 'window length is window_seconds');
  h.assert(w.id === `g:${w.startNs}`, `window id ${w.id} is group:start`);
  h.assertEq(task.template.classes, ['none', 'square', 'circle'], 'template classes');
  h.assert(task.timeBoxMs > 29000 && task.timeBoxMs <= 30000, `time box ${task.timeBoxMs} ms`);
  h.assertEq(task.attempt, 1, 'first offer');
  const now = BigInt(Date.now()) * 1000000n;
  h.assert(BigInt(task.deadlineNs) > now, 'deadline is in the future');

  const byName = Object.fromEntries(w.sources.map((s) => [s.source, s]));
  const cam = byName.cam;
  const mic = byName.mic;
  const imu = byName.imu;
  h.assert(cam && mic && imu, 'every source is in the window');
  // 10 fps for 1 s, plus possibly one frame overlapping the start.
  // Live sources on a loaded machine may drop a buffer or two (counted in
  // ringside_source_dropped_total); what is delivered must be right.
  h.assert(cam.frames.length >= 6 && cam.frames.length <= 12, `${cam.frames.length} frames`);
  h.assertEq([cam.width, cam.height, cam.fps], [160, 120, 10], 'video geometry');
  for (const f of cam.frames) {
    h.assert(f.jpeg[0] === 0xff && f.jpeg[1] === 0xd8, 'frame is a JPEG');
    const t = BigInt(f.tNs);
    h.assert(t < end && t + 100000000n > start, `frame time ${t} overlaps the window`);
  }
  // 20 ms chunks of 16 kHz mono S16LE: 640 bytes each, 50 per second.
  h.assert(mic.chunks.length >= 40 && mic.chunks.length <= 52, `${mic.chunks.length} chunks`);
  h.assertEq(mic.sampleRate, 16000, 'sample rate');
  for (const c of mic.chunks) h.assertEq(c.pcm.length, 640, 'chunk size');
  for (let i = 1; i < mic.chunks.length; i++) {
    const gap = BigInt(mic.chunks[i].tNs) - BigInt(mic.chunks[i - 1].tNs);
    h.assert(gap > 0n && gap % 20000000n === 0n,
      `audio chunk ${i} starts a whole number of 20 ms chunks after its predecessor (${gap} ns)`);
  }
  // 200 Hz sensor: about 200 readings with 3 values each.
  h.assert(imu.samples.length >= 150 && imu.samples.length <= 201,
    `${imu.samples.length} sensor samples`);
  h.assertEq(imu.channels, ['ax', 'ay', 'az'], 'channels');
  for (const s of imu.samples) {
    h.assertEq(s.values.length, 3, 'values per sample');
    const t = BigInt(s.tNs);
    h.assert(t >= start && t < end, 'sensor sample inside the window');
  }
  h.assert(w.complete && cam.complete && mic.complete && imu.complete, 'window complete');

  const labelId = h.labelId();
  r.submit({ labelId, windowId: w.id, classes: ['square'], reviewer: 'mallory', group: 'x' });
  const reply = await r.next(['ack', 'error']);
  h.assert(reply.msg === 'ack', `ack expected, got ${JSON.stringify(reply.error)}`);
  h.assertEq(reply.ack.labelId, labelId, 'ack names the label');

  const labels = await stack.waitForLabels(1);
  h.assertEq(labels.length, 1, 'one label in the stream');
  const { fields, label, streamId } = labels[0];
  h.assertEq(streamId, reply.ack.streamId, 'ack carries the Redis entry id');
  h.assertEq(fields, { type: 'label', label_id: labelId, window: w.id, group: 'g',
    reviewer: 'alice', class: 'square', kinds: 'classes' }, 'readable fields');
  h.assertEq(label.reviewer, 'alice', 'reviewer comes from the session, not the client');
  h.assertEq(label.group, 'g', 'group comes from the window');
  h.assertEq([label.windowStartNs, label.windowEndNs], [w.startNs, w.endNs], 'window span');
  h.assertEq(label.classes, ['square'], 'classes');
  h.assertEq(label.attempt, 1, 'attempt');
  h.assert(BigInt(label.submittedNs) >= BigInt(label.assignedNs), 'submitted after assigned');

  // A replay of the same label id (a lost ack) is acknowledged again
  // with the same entry and publishes nothing new.
  r.submit({ labelId, windowId: w.id, classes: ['square'] });
  const again = await r.next(['ack', 'error']);
  h.assertEq(again.ack && again.ack.streamId, reply.ack.streamId, 'replay acked with same id');

  // ringside-tail: the C consumer prints the same label as JSON.
  const out = await new Promise((resolve, reject) => {
    execFile(path.join(h.BIN, 'ringside-tail'), ['--port', String(stack.ports.redis),
      '--from-start', '--count', '1', '--block-ms', '2000'], { timeout: 15000 },
    (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
  const line = JSON.parse(out.trim().split('\n')[0]);
  h.assertEq([line.type, line.label_id, line.window_id, line.reviewer, line.classes],
    ['label', labelId, w.id, 'alice', ['square']], 'ringside-tail JSON');
  h.assertEq(String(line.window_start_ns), w.startNs, 'tail prints exact 64-bit times');
  const pending = await stack.client.xpending('ringside:labels', 'tail');
  h.assertEq(pending[0], 0, 'ringside-tail acknowledged what it printed');
  h.assertEq(await stack.client.xlen('ringside:labels'), 1, 'exactly one entry');

  // A Python consumer (python3-redis, python3-protobuf) reads the same label.
  const py = await new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', [path.join(h.SRC, 'clients/python/ringside_consume.py'),
      '--port', String(stack.ports.redis), '--count', '1'], { timeout: 20000 },
    (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
  const pl = JSON.parse(py.trim().split('\n')[0]);
  h.assertEq([pl.type, pl.label_id, pl.window_id, pl.reviewer, pl.classes, pl.window_start_ns],
    ['label', labelId, w.id, 'alice', ['square'], w.startNs], 'python consumer JSON');
});

// SIGHUP reload: a changed [source cam] pipeline restarts cam alone while
// mic keeps streaming without a break; a change only a restart can apply
// is named in the log and ignored; a broken file is refused with its
// error logged while the daemon keeps serving.
'use strict';
const fs = require('fs');
const h = require('../lib/harness');

const MS = 1000000n;

async function metrics(stack) {
  return (await h.httpGet(`${stack.httpUrl}/metrics`)).body;
}

// The value of the sample line NAME{LABELS}, or null when absent.
function metric(text, name, labels) {
  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^${esc(name)}\\{${esc(labels)}\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

// Counts the daemon log lines containing TEXT.
function logCount(stack, text) {
  return stack.daemonLog().split('\n').filter((l) => l.includes(text)).length;
}

async function waitLog(stack, what, text, n = 1) {
  await h.waitFor(`the daemon log to say ${what}`, () => logCount(stack, text) >= n, 10000);
}

// Labels every task REVIEWER is given until one whose window ends after
// AFTER_NS arrives; returns that window (unlabeled).
async function windowEndingAfter(reviewer, afterNs) {
  for (let i = 0; i < 20; i++) {
    const { task } = await reviewer.next('task', 15000);
    const w = task.window;
    if (BigInt(w.endNs) > afterNs) return w;
    reviewer.submit({ labelId: h.labelId(), windowId: w.id, classes: ['none'] });
    const reply = await reviewer.next(['ack', 'error']);
    h.assert(reply.msg === 'ack', `ack expected, got ${JSON.stringify(reply.error)}`);
  }
  throw new Error(`no window ending after ${afterNs} in 20 tasks`);
}

// Mic audio of window W runs on, undisturbed: complete, 20 ms chunks of
// 640 bytes all on one 20 ms grid from the start of the window to its end.
// A restarted pipeline would re-anchor its chunks off that grid; a buffer
// or two that a loaded machine drops only leaves a hole on it.
function assertMicContiguous(w) {
  const mic = w.sources.find((s) => s.source === 'mic');
  const start = BigInt(w.startNs);
  const end = BigInt(w.endNs);
  h.assert(mic.complete, `mic complete in ${w.id}`);
  h.assert(mic.coverage >= 0.8, `mic coverage ${mic.coverage} in ${w.id}`);
  const t = mic.chunks.map((c) => BigInt(c.tNs));
  h.assert(t.length >= 40, `${t.length} mic chunks in ${w.id}`);
  h.assert(t[0] <= start && t[t.length - 1] + 20n * MS >= end,
    `mic chunks span ${w.id}: ${t[0]} .. ${t[t.length - 1]}`);
  for (let i = 1; i < t.length; i++) {
    const gap = t[i] - t[i - 1];
    h.assert(gap > 0n && gap % (20n * MS) === 0n,
      `mic chunk ${i} of ${w.id} is on the 20 ms grid (${gap} ns after the previous)`);
    h.assertEq(mic.chunks[i].pcm.length, 640, 'chunk size');
  }
}

h.runTest('reload', { timeBoxSeconds: 30, queueMax: 16 }, async (stack) => {
  const original = fs.readFileSync(stack.confPath, 'utf8');
  h.assert(original.includes('pattern=ball'), 'default config has cam on pattern=ball');
  const reviewer = await stack.reviewer('alice');
  await reviewer.next('welcome');

  // Every source delivers before the reload.
  let m = await h.waitFor('samples from every source', async () => {
    const t = await metrics(stack);
    return ['cam', 'mic', 'imu'].every((s) =>
      metric(t, 'ringside_source_samples_total', `source="${s}"`) > 20) ? t : null;
  }, 15000);
  const micRestarts = metric(m, 'ringside_source_restarts_total', 'source="mic"');
  h.assertEq(micRestarts, 0, 'mic never restarted before the reload');
  const camBefore = metric(m, 'ringside_source_samples_total', 'source="cam"');

  // 1. cam's pipeline changes: cam alone restarts.
  fs.writeFileSync(stack.confPath, original.replace('pattern=ball', 'pattern=snow'));
  const micBefore = metric(await metrics(stack), 'ringside_source_samples_total', 'source="mic"');
  const reloadNs = BigInt(Date.now()) * MS;
  stack.daemon.kill('SIGHUP');
  await waitLog(stack, 'cam restarted',
    'reload: source cam restarted with new settings; 0 other changes');
  h.assert(logCount(stack, 'reload: source cam: pipeline changed') === 1,
    'the log names what changed');
  h.assert(logCount(stack, 'needs a restart') === 0, 'nothing else needs a restart');

  // cam's counters start again (a new source) and it delivers; mic is
  // untouched and keeps counting.
  m = await metrics(stack);
  h.assert(metric(m, 'ringside_source_samples_total', 'source="cam"') < camBefore,
    'cam is a new source: its sample counter started again');
  await h.waitFor('cam frames after the restart', async () =>
    metric(await metrics(stack), 'ringside_source_samples_total', 'source="cam"') >= 5, 10000);
  m = await metrics(stack);
  h.assertEq(metric(m, 'ringside_source_restarts_total', 'source="mic"'), micRestarts,
    'mic restarts');
  h.assert(metric(m, 'ringside_source_samples_total', 'source="mic"') > micBefore,
    'mic samples keep rising');

  // A window cut after the reload has all of mic's audio, contiguous.
  const w = await windowEndingAfter(reviewer, reloadNs);
  h.log(`window after the reload: ${w.id}`);
  assertMicContiguous(w);
  const cam = w.sources.find((s) => s.source === 'cam');
  h.assert(cam.frames.length > 0, 'cam frames in the window after the reload');
  reviewer.submit({ labelId: h.labelId(), windowId: w.id, classes: ['none'] });
  h.assertEq((await reviewer.next(['ack', 'error'])).msg, 'ack', 'label acked');

  // 2. The same file again: nothing to do. A group setting changes:
  // named as needing a restart, and ignored.
  stack.daemon.kill('SIGHUP');
  await waitLog(stack, 'nothing changed', 'reload: no source restarted; 0 other changes');
  fs.writeFileSync(stack.confPath, original.replace('pattern=ball', 'pattern=snow')
    .replace('classes = none,square,circle', 'classes = none,square,circle,star'));
  stack.daemon.kill('SIGHUP');
  await waitLog(stack, 'the group change needs a restart',
    'reload: needs a restart to apply: [group g] classes');
  await waitLog(stack, 'one other change', 'reload: no source restarted; 1 other change');
  const { task } = await reviewer.next('task', 15000);
  h.assertEq(task.template.classes, ['none', 'square', 'circle'], 'classes as before');

  // 3. A broken file is refused with file, group, key and reason; the
  // daemon serves on.
  fs.writeFileSync(stack.confPath, original.replace('window_seconds = 1', 'window_seconds = -1'));
  stack.daemon.kill('SIGHUP');
  await waitLog(stack, 'the reload refused',
    `reload refused, nothing changed: ${stack.confPath}: [group g] window_seconds: ` +
    'must be between 0.1 and 3600 (got -1)');
  h.assertEq((await h.httpGet(`${stack.httpUrl}/healthz`)).status, 200, 'healthz');
  reviewer.submit({ labelId: h.labelId(), windowId: task.window.id, classes: ['square'] });
  const reply = await reviewer.next(['ack', 'error']);
  h.assert(reply.msg === 'ack', `ack after a refused reload, got ${JSON.stringify(reply.error)}`);
  const next = await windowEndingAfter(reviewer, BigInt(Date.now()) * MS);
  assertMicContiguous(next);
  h.assertEq(BigInt(next.endNs) - BigInt(next.startNs), 1000n * MS, 'window length unchanged');

  m = await metrics(stack);
  h.assertEq(metric(m, 'ringside_source_restarts_total', 'source="mic"'), micRestarts,
    'mic never restarted');
  h.assertEq(logCount(stack, 'restarted with new settings'), 1, 'cam restarted once only');
  h.assert(stack.daemon.exitCode === null, 'the daemon is still running');
});

// Pre-annotations end to end: a model XADDs PreAnnotations for the next
// window to the pre-annotation stream; the reviewer's task for that window
// carries exactly the valid one, decoded as sent, and windows without any
// carry none; the invalid one, the garbage entry and one sent after its
// window was cut are counted in /metrics. The reviewer's label says how it
// used them, and the record in Redis keeps that. The reader survives a
// Redis restart (one warning for the outage) and goes on reading.
'use strict';
const path = require('path');
const protobuf = require('protobufjs');
const h = require('../lib/harness');

const STREAM = 'ringside:preannotations';
const MS = 1000000n;
const PreAnnotation = protobuf.loadSync(path.join(h.SRC, 'proto/ringside.proto'))
  .lookupType('ringside.v1.PreAnnotation');

async function metrics(stack) {
  return (await h.httpGet(`${stack.httpUrl}/metrics`)).body;
}

function metric(text, line) {
  const m = text.match(new RegExp(`^${line.replace(/[{}"[\]]/g, '\\$&')} (\\d+)$`, 'm'));
  return m ? Number(m[1]) : null;
}

// A pre-annotation of group g for [start + 100 ms, start + 900 ms) of the
// window starting at START (ns, BigInt): class CLASS_, one event.
function pre(start, class_, model = 'detector') {
  return {
    group: 'g',
    startNs: String(start + 100n * MS),
    endNs: String(start + 900n * MS),
    model,
    modelVersion: '2024-06-01',
    label: {
      classes: [class_],
      classConfidences: [0.875],
      events: [{ startNs: String(start + 200n * MS), endNs: String(start + 500n * MS),
        class: 'circle', confidence: 0.625 }],
    },
  };
}

async function xadd(stack, bytes) {
  return stack.client.xadd(STREAM, '*', 'pb', Buffer.from(bytes));
}

function encode(obj) {
  return PreAnnotation.encode(PreAnnotation.fromObject(obj)).finish();
}

// Windows are [2k, 2k + 1) s on the UNIX timeline (every 2 s, 1 s long):
// the start (ns) of one that begins at least 1.5 s from now, so that it
// cannot have been cut before the model's entries are read.
function nextWindowStart() {
  return BigInt(Math.ceil((Date.now() + 1500) / 2000) * 2000) * MS;
}

// Labels every task until window WINDOW_ID arrives; returns that task.
// Every other window must come without pre-annotations.
async function taskFor(reviewer, windowId) {
  for (let i = 0; i < 20; i++) {
    const { task } = await reviewer.next('task', 15000);
    if (task.window.id === windowId) return task;
    h.assertEq(task.window.preannotations, [], `window ${task.window.id} has no pre-annotations`);
    reviewer.submit({ labelId: h.labelId(), windowId: task.window.id, classes: ['none'] });
    const reply = await reviewer.next(['ack', 'error']);
    h.assert(reply.msg === 'ack', `ack expected, got ${JSON.stringify(reply.error)}`);
  }
  throw new Error(`window ${windowId} never offered`);
}

const readerUp = async (stack) => h.waitFor('the pre-annotation reader to connect', async () =>
  metric(await metrics(stack), 'ringside_preannotations_connected') === 1, 10000);

h.runTest('preannotations', { groupConf: 'kinds = classes,events\n', queueMax: 16 },
  async (stack) => {
    const r = await stack.reviewer('alice');
    await r.next('welcome');
    // Only entries added after the reader's first connection are read.
    await readerUp(stack);

    const start = nextWindowStart();
    const windowId = `g:${start}`;
    const valid = pre(start, 'square');
    await xadd(stack, encode(valid));
    await xadd(stack, encode(pre(start, 'triangle', 'other')));  // not a class of g
    await xadd(stack, Buffer.from('garbage'));

    const task = await taskFor(r, windowId);
    const got = task.window.preannotations;
    h.assertEq(got.length, 1, 'exactly the valid pre-annotation is attached');
    const want = PreAnnotation.toObject(PreAnnotation.decode(encode(valid)), h.TO_OBJECT);
    h.assertEq(got[0], want, 'the pre-annotation arrives as the model sent it');
    h.assertEq(got[0].label.classConfidences, [0.875], 'class confidences kept');
    h.assertEq(got[0].label.events[0].confidence, 0.625, 'event confidence kept');

    // Its window is cut: one more for it is too late.
    await xadd(stack, encode(pre(start, 'circle', 'slow')));
    const m = await h.waitFor('the late one to be counted', async () => {
      const text = await metrics(stack);
      return metric(text, 'ringside_preannotations_dropped_total{group="g",reason="late"}') === 1 &&
        text;
    }, 10000);
    h.assertEq(metric(m, 'ringside_preannotations_attached_total{group="g"}'), 1, 'attached');
    h.assertEq(metric(m, 'ringside_preannotations_dropped_total{group="g",reason="invalid"}'), 1,
      'invalid');
    h.assertEq(metric(m, 'ringside_preannotations_refused_total{reason="undecodable"}'), 1,
      'undecodable');
    h.assertEq(metric(m, 'ringside_preannotations_received_total{group="g"}'), 3, 'received');
    h.assertEq(metric(m, 'ringside_preannotations_entries_total'), 4, 'entries read');
    h.assertEq(metric(m, 'ringside_preannotations_waiting{group="g"}'), 0, 'none waiting');
    const log = stack.daemonLog();
    h.assert(/pre-annotation \S+ for group g dropped \(invalid\): .*"triangle" is not a class/.test(log),
      'the invalid one is logged with the reason');
    h.assert(/pre-annotation \S+ dropped \(undecodable\)/.test(log), 'the garbage is logged');

    // The reviewer kept the class, deleted the event.
    const labelId = h.labelId();
    const use = { shown: true, offered: 2, accepted: 1, changed: 0, deleted: 1 };
    r.submit({ labelId, windowId, classes: ['square'], preannotations: use });
    const reply = await r.next(['ack', 'error']);
    h.assert(reply.msg === 'ack', `ack expected, got ${JSON.stringify(reply.error)}`);
    const stored = (await stack.waitForLabels(1)).find((l) => l.label.labelId === labelId);
    h.assert(stored, 'the label is in Redis');
    h.assertEq(stored.label.preannotations, use, 'the stored label says how they were used');

    // Redis restarts (empty): one warning for the outage, then the reader
    // is back and attaches again.
    await h.stopProcess(stack.redis.proc, 'SIGKILL');
    await h.waitFor('the reader to notice', async () =>
      metric(await metrics(stack), 'ringside_preannotations_connected') === 0, 5000);
    await h.sleep(1500); // a few reconnect attempts
    stack.redis.proc = h.startProcess(stack.dir, 'redis2', 'redis-server', ['--port',
      String(stack.ports.redis), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', stack.dir]);
    await readerUp(stack);
    h.assertEq(metric(await metrics(stack), 'ringside_preannotations_reconnects_total'), 1,
      'reconnected once');
    const warnings = stack.daemonLog().split('\n')
      .filter((l) => /pre-annotations: redis .*(connection lost|unreachable)/.test(l));
    h.assertEq(warnings.length, 1, `one warning for the outage: ${warnings.join(' | ')}`);

    await h.waitFor('the test client to reconnect', async () =>
      (await stack.client.ping()) === 'PONG', 10000);
    const start2 = nextWindowStart();
    await xadd(stack, encode(pre(start2, 'circle', 'after-restart')));
    const task2 = await taskFor(r, `g:${start2}`);
    h.assertEq(task2.window.preannotations.map((p) => p.model), ['after-restart'],
      'read again after the restart');
  });

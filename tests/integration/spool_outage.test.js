// Nothing acknowledged is lost, with a spool: while Redis is down a label
// is acknowledged once it is fsync'd in the spool (stream_id "spooled"),
// the window completes, and once Redis is back every spooled label reaches
// it exactly once, in order, ahead of the labels that came after.
'use strict';
const h = require('../lib/harness');

// Redis keeps what it acknowledged across the kill (AOF, fsync always), so
// the stream can be checked whole afterwards.
const REDIS_AOF = ['--appendonly', 'yes', '--appendfsync', 'always'];

async function metric(stack, name) {
  const body = (await h.httpGet(`${stack.httpUrl}/metrics`)).body;
  const m = body.match(new RegExp(`^${name} (\\S+)$`, 'm'));
  return m ? Number(m[1]) : null;
}

async function labelAndAck(r, classes) {
  const { task } = await r.next('task', 40000);
  const labelId = h.labelId();
  r.submit({ labelId, windowId: task.window.id, classes });
  const reply = await r.next(['ack', 'error']);
  h.assert(reply.msg === 'ack', `label acked (${JSON.stringify(reply.error)})`);
  h.assertEq(reply.ack.labelId, labelId, 'the ack names the label');
  return { labelId, windowId: task.window.id, streamId: reply.ack.streamId };
}

h.runTest('spool-outage', { everySeconds: 2, timeBoxSeconds: 120, queueMax: 50,
  spoolDir: true, redisArgs: REDIS_AOF }, async (stack) => {
  const r = await stack.reviewer('alice');
  await r.next('welcome');

  // Redis up: acknowledged with the entry id, nothing spooled.
  const first = await labelAndAck(r, ['none']);
  h.assert(/^\d+-\d+$/.test(first.streamId), `a Redis entry id (${first.streamId})`);
  h.assertEq(await metric(stack, 'ringside_spool_appended_total'), 0, 'nothing spooled');

  await h.stopProcess(stack.redis.proc, 'SIGKILL');
  await h.waitFor('the daemon to notice', async () =>
    (await metric(stack, 'ringside_redis_connected')) === 0, 5000);

  // Redis down: acknowledged from the spool, the windows complete.
  const spooled = [];
  for (let i = 0; i < 3; i++) {
    const l = await labelAndAck(r, ['square']);
    h.assertEq(l.streamId, 'spooled', `label ${i} acknowledged from the spool`);
    spooled.push(l);
  }
  h.assert((await metric(stack, 'ringside_spool_records')) >= 3, 'the spool holds them');
  h.assert((await metric(stack, 'ringside_windows_labeled_total')) >= 4, 'the windows completed');
  const appended = await metric(stack, 'ringside_spool_appended_total');

  // A resend after a lost ack gets the same answer and is not spooled again.
  r.submit({ labelId: spooled[0].labelId, windowId: spooled[0].windowId, classes: ['square'] });
  const again = await r.next(['ack', 'error']);
  h.assertEq([again.msg, again.ack && again.ack.streamId], ['ack', 'spooled'], 'same ack');
  h.assertEq(await metric(stack, 'ringside_spool_appended_total'), appended, 'not spooled twice');

  // Redis comes back with what it had; a label made now queues behind the
  // spooled ones (or, once they are replayed, goes straight in).
  stack.redis.proc = h.startProcess(stack.dir, 'redis2', 'redis-server', ['--port',
    String(stack.ports.redis), '--bind', '127.0.0.1', '--save', '', '--dir', stack.dir,
    ...REDIS_AOF]);
  const last = await labelAndAck(r, ['circle']);

  await h.waitFor('the spool to be replayed', async () =>
    (await metric(stack, 'ringside_spool_records')) === 0 &&
    (await metric(stack, 'ringside_redis_connected')) === 1, 20000, 100);
  const labels = await stack.waitForLabels(5);
  const ids = labels.map((l) => l.label.labelId);
  h.assertEq(ids, [first, ...spooled, last].map((l) => l.labelId),
    'every acknowledged label exactly once, in order');
  for (const l of labels) {
    const mine = [first, ...spooled, last].find((x) => x.labelId === l.label.labelId);
    h.assertEq(l.label.windowId, mine.windowId, 'the label of its window');
    h.assertEq(l.fields.label_id, mine.labelId, 'readable fields kept');
  }
  h.assert((await metric(stack, 'ringside_spool_replayed_total')) >= 3, 'replayed');
  h.assertEq(await metric(stack, 'ringside_spool_bytes'), 0, 'a drained spool holds no bytes');
  h.assertEq(await metric(stack, 'ringside_spool_torn_total'), 0, 'nothing damaged');
  h.assert(/spool replayed: \d+ record\(s\)/.test(stack.daemonLog()), 'the replay is logged');
});

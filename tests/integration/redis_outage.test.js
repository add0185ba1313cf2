// Nothing acknowledged is lost: while Redis is down a label is refused
// with publish_failed (never acked), the window stays with its reviewer,
// and once Redis is back the same label is stored and acknowledged once.
'use strict';
const h = require('../lib/harness');

h.runTest('redis-outage', { everySeconds: 5, timeBoxSeconds: 120 }, async (stack) => {
  const r = await stack.reviewer('alice');
  await r.next('welcome');
  const { task } = await r.next('task', 40000);

  await h.stopProcess(stack.redis.proc, 'SIGKILL');
  await h.waitFor('the daemon to notice', async () =>
    /^ringside_redis_connected 0$/m.test((await h.httpGet(`${stack.httpUrl}/metrics`)).body), 5000);

  const labelId = h.labelId();
  r.submit({ labelId, windowId: task.window.id, classes: ['none'] });
  const refused = await r.next(['ack', 'error']);
  h.assertEq(refused.msg, 'error', 'no ack while Redis is down');
  h.assertEq([refused.error.code, refused.error.labelId], ['publish_failed', labelId], 'publish_failed');
  h.assert(/send it again/.test(refused.error.message), 'the reviewer is told to resend');

  // Redis comes back on the same port; the daemon reconnects by itself.
  stack.redis.proc = h.startProcess(stack.dir, 'redis2', 'redis-server', ['--port',
    String(stack.ports.redis), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--dir', stack.dir]);
  await h.waitFor('the daemon to reconnect', async () =>
    /^ringside_redis_connected 1$/m.test((await h.httpGet(`${stack.httpUrl}/metrics`)).body), 10000);

  r.submit({ labelId, windowId: task.window.id, classes: ['none'] });
  const ack = await r.next(['ack', 'error']);
  h.assert(ack.msg === 'ack', `acked after recovery (${JSON.stringify(ack.error)})`);
  const labels = await stack.waitForLabels(1);
  h.assertEq(labels.map((l) => l.label.labelId), [labelId], 'stored exactly once');

  // A Redis that accepts but does not answer (stopped): after the reply
  // timeout the label is refused, never left hanging, and the daemon
  // reconnects once Redis answers again.
  const t2 = (await r.next('task', 40000)).task;
  stack.redis.proc.kill('SIGSTOP');
  const second = h.labelId();
  r.submit({ labelId: second, windowId: t2.window.id, classes: ['circle'] });
  const hung = await r.next(['ack', 'error'], 12000);
  stack.redis.proc.kill('SIGCONT');
  h.assertEq([hung.msg, hung.error && hung.error.code], ['error', 'publish_failed'],
    'no answer from Redis: publish_failed');
  await h.waitFor('the daemon to reconnect', async () =>
    /^ringside_redis_connected 1$/m.test((await h.httpGet(`${stack.httpUrl}/metrics`)).body), 10000);
  r.submit({ labelId: second, windowId: t2.window.id, classes: ['circle'] });
  const ack2 = await r.next(['ack', 'error']);
  h.assert(ack2.msg === 'ack', `acked once Redis answers (${JSON.stringify(ack2.error)})`);
  // The first XADD may have been executed after SIGCONT: consumers dedupe
  // on label_id, and the daemon never acknowledged it twice.
  const ids = (await stack.waitForLabels(2)).map((l) => l.label.labelId);
  h.assert(ids.includes(second), 'the second label is stored');
});

// SIGTERM: ingest stops, a label on its way to Redis is stored and
// acknowledged before the socket closes with 1001, windows still waiting
// leave with "shutdown" records, and the exit status is 0.
'use strict';
const h = require('../lib/harness');

h.runTest('shutdown', { everySeconds: 1, windowSeconds: 0.5 }, async (stack) => {
  const r = await stack.reviewer('alice');
  await r.next('welcome');
  const { task } = await r.next('task', 15000);
  // More windows pile up behind the one alice holds.
  await h.waitFor('windows waiting', async () => {
    const m = (await h.httpGet(`${stack.httpUrl}/metrics`)).body;
    const line = m.split('\n').find((l) => l.startsWith('ringside_windows_waiting '));
    return line && Number(line.split(' ')[1]) >= 2;
  }, 10000);

  // Redis holds writes for 1.5 s: alice's label is in flight at SIGTERM.
  const labelId = h.labelId();
  await stack.client.call('CLIENT', 'PAUSE', '1500', 'WRITE');
  r.submit({ labelId, windowId: task.window.id, classes: ['none'] });
  await h.sleep(200);
  const exit = await h.stopProcess(stack.daemon, 'SIGTERM');
  stack.daemon = null;
  h.assertEq(exit, { code: 0, sig: null }, 'exit status');
  const ack = await r.next(['ack', 'error'], 1000).catch((e) => ({ msg: e.message }));
  h.assertEq([ack.msg, ack.ack && ack.ack.labelId], ['ack', labelId],
    'the in-flight label was stored and acknowledged before the close');
  const closed = await r.closedP;
  h.assertEq(closed.code, 1001, 'closed as going away');

  const expired = await stack.readStream('ringside:expired');
  const ids = expired.filter((e) => e.pb.reason === 'shutdown').map((e) => e.pb.windowId);
  h.assert(!ids.includes(task.window.id), 'the labeled window has no shutdown record');
  h.assert(ids.length >= 2, `waiting windows have shutdown records (${ids.length})`);
  const labels = await stack.waitForLabels(1);
  h.assertEq(labels.map((l) => l.label.labelId), [labelId], 'the label is in Redis once');
});

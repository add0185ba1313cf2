// A reviewer who disconnects has its window reoffered at once; a reviewer
// who declines hands it on. Nothing is lost on the way.
'use strict';
const h = require('../lib/harness');

h.runTest('reoffer', { everySeconds: 30, timeBoxSeconds: 60 }, async (stack) => {
  const alice = await stack.reviewer('alice');
  await alice.next('welcome');
  const t1 = (await alice.next('task', 40000)).task;
  const bob = await stack.reviewer('bob');
  await bob.next('welcome');
  h.assert(!bob.inbox.some((m) => m.msg === 'task'), 'bob has nothing while alice holds it');

  const t0 = Date.now();
  alice.close();
  const t2 = (await bob.next('task', 3000)).task;
  h.assertEq(t2.window.id, t1.window.id, 'the same window goes to bob');
  h.assertEq(t2.attempt, 1, 'a dropped connection does not use up an attempt');
  h.log(`reoffered ${Date.now() - t0} ms after the disconnect`);

  // Bob declines: carol gets it as the second attempt.
  const carol = await stack.reviewer('carol');
  await carol.next('welcome');
  bob.send({ decline: { windowId: t2.window.id } });
  const t3 = (await carol.next('task', 3000)).task;
  h.assertEq([t3.window.id, t3.attempt], [t1.window.id, 2], 'declined window goes to carol');

  const labelId = h.labelId();
  carol.submit({ labelId, windowId: t3.window.id, classes: ['circle'] });
  h.assertEq((await carol.next(['ack', 'error'])).msg, 'ack', 'carol labels it');
  const labels = await stack.waitForLabels(1);
  h.assertEq([labels[0].label.reviewer, labels[0].label.attempt], ['carol', 2], 'label provenance');
});

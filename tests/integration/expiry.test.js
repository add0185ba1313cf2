// Time boxes are real: an unanswered task is revoked at its deadline,
// reoffered to another reviewer, and after max_attempts an Expired record
// names everyone who had it. A label after the deadline is refused.
'use strict';
const h = require('../lib/harness');

h.runTest('expiry', { timeBoxSeconds: 2, maxAttempts: 2, everySeconds: 30 }, async (stack) => {
  const alice = await stack.reviewer('alice');
  await alice.next('welcome');
  const t1 = (await alice.next('task', 40000)).task;
  const id = t1.window.id;
  h.assertEq(t1.attempt, 1, 'first offer');
  const bob = await stack.reviewer('bob');
  await bob.next('welcome');

  const revoke = await alice.next('revoke', 5000);
  h.assertEq([revoke.revoke.windowId, revoke.revoke.reason], [id, 'deadline'], 'revoked at deadline');
  // Too late: refused, nothing published.
  alice.submit({ labelId: h.labelId(), windowId: id, classes: ['none'] });
  const late = await alice.next('error');
  h.assertEq(late.error.code, 'not_assigned', 'late label refused');

  const t2 = (await bob.next('task', 5000)).task;
  h.assertEq([t2.window.id, t2.attempt], [id, 2], 'reoffered to another reviewer');
  await bob.next('revoke', 5000);

  const expired = await stack.waitForStream('ringside:expired', 1, { timeoutMs: 5000 });
  const rec = expired[0];
  h.assertEq(rec.fields.type, 'expired', 'record type');
  h.assertEq(rec.fields.window, id, 'record names the window');
  h.assertEq([rec.pb.windowId, rec.pb.group, rec.pb.attempts, rec.pb.reviewers, rec.pb.reason],
    [id, 'g', 2, ['alice', 'bob'], 'deadline'], 'expired record');
  h.assertEq([rec.pb.startNs, rec.pb.endNs], [t1.window.startNs, t1.window.endNs], 'span');
  h.assertEq(await stack.client.xlen('ringside:labels'), 0, 'no label was published');
});

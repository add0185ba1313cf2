// More time and prefetch, end to end. Extend moves the deadline by the
// group's extend_seconds, once (max_extensions = 1), then is refused.
// A client that says hello with prefetch 1 gets a second task held, with
// no deadline; a label for it is refused until its Deadline message comes,
// which is when the first task ends.
'use strict';
const h = require('../lib/harness');

const GROUP = 'kinds = classes\nextend_seconds = 5\nmax_extensions = 1\n';

h.runTest('extend_prefetch', { groupConf: GROUP }, async (stack) => {
  // ---- Extend ------------------------------------------------------------
  const alice = await stack.reviewer('alice');
  await alice.next('welcome');
  const t = (await alice.next('task', 20000)).task;
  h.assertEq([t.held, t.template.extendMs, t.template.maxExtensions], [false, 5000, 1],
    'the template says how much more time may be asked for');

  alice.send({ extend: { windowId: t.window.id } });
  const d = await alice.next(['deadline', 'error']);
  h.assertEq(d.msg, 'deadline', `extend granted (${d.error && d.error.message})`);
  h.assertEq([d.deadline.windowId, d.deadline.extensionsLeft], [t.window.id, 0], 'deadline');
  h.assertEq(BigInt(d.deadline.deadlineNs) - BigInt(t.deadlineNs), 5000000000n,
    'the deadline moved by extend_seconds');
  h.assert(d.deadline.timeBoxMs > 0 && d.deadline.timeBoxMs <= 35000, 'time left, counted down');

  alice.send({ extend: { windowId: t.window.id } });
  const e = await alice.next(['deadline', 'error']);
  h.assertEq([e.msg, e.error && e.error.code], ['error', 'extend_refused'], 'second extend');
  h.assert(/no extensions left/.test(e.error.message), `says why: ${e.error.message}`);

  alice.submit({ labelId: h.labelId(), windowId: t.window.id, classes: ['square'] });
  h.assertEq((await alice.next(['ack', 'error'])).msg, 'ack', 'alice labels it');
  const [rec] = (await stack.readStream('ringside:labels'))
    .filter((x) => x.pb.windowId === t.window.id);
  h.assertEq([rec.pb.extensions, rec.pb.reviewer], [1, 'alice'], 'extensions recorded');
  alice.close();

  // ---- Prefetch ----------------------------------------------------------
  const bob = new h.Reviewer(stack.wsUrl, stack.tokens.bob);
  stack.reviewers.push(bob);
  await bob.open({ hello: false });
  bob.send({ hello: { token: stack.tokens.bob, client: 'ringside-test/1', prefetch: 1 } });
  await bob.next('welcome');
  const first = (await bob.next('task', 20000)).task;
  const second = (await bob.next('task', 20000)).task;
  h.assertEq(first.held, false, 'the first task runs');
  h.assert(BigInt(first.deadlineNs) > 0n, 'with a deadline');
  h.assertEq([second.held, second.deadlineNs, second.timeBoxMs], [true, '0', 30000],
    'the second is held: no deadline, the full time box');
  const m1 = (await h.httpGet(`${stack.httpUrl}/metrics`)).body;
  h.assert(/\nringside_tasks_held 1\n/.test(m1), 'held task counted');

  bob.submit({ labelId: h.labelId(), windowId: second.window.id, classes: ['circle'] });
  const ns = await bob.next(['ack', 'error']);
  h.assertEq([ns.msg, ns.error && ns.error.code], ['error', 'not_started'], 'held: refused');

  bob.submit({ labelId: h.labelId(), windowId: first.window.id, classes: ['none'] });
  h.assertEq((await bob.next(['ack', 'error'])).msg, 'ack', 'first labeled');
  const start = await bob.next('deadline', 5000);
  h.assertEq([start.deadline.windowId, start.deadline.extensionsLeft], [second.window.id, 1],
    'the held task starts');
  h.assert(BigInt(start.deadline.deadlineNs) > 0n, 'with a deadline');
  h.assertEq(start.deadline.timeBoxMs, 30000, 'and the full time box');

  const labelId = h.labelId();
  bob.submit({ labelId, windowId: second.window.id, classes: ['circle'] });
  h.assertEq((await bob.next(['ack', 'error'])).msg, 'ack', 'second labeled');
  const recs = (await stack.readStream('ringside:labels')).filter((x) => x.pb.reviewer === 'bob');
  h.assertEq(recs.map((x) => x.pb.windowId), [first.window.id, second.window.id], 'both stored');
  h.assert(BigInt(recs[1].pb.assignedNs) >= BigInt(recs[0].pb.submittedNs),
    'the held task\'s clock started after the first was answered');

  const m2 = (await h.httpGet(`${stack.httpUrl}/metrics`)).body;
  h.assert(m2.includes('ringside_extends_total{result="granted"} 1\n'), 'granted counted');
  h.assert(m2.includes('ringside_extends_total{result="refused"} 1\n'), 'refused counted');
});

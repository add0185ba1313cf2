// Flags, end to end: a label flagged ambiguous is stored with its flag and
// the window goes to an expert (never back to the flagger, never to a
// plain reviewer); skip hands the window to someone else; bad_quality ends
// it. Every flagged label is in Redis with its flag and reason.
'use strict';
const h = require('../lib/harness');

const GROUP = 'kinds = classes\nambiguous_to = expert\n';

// Answers the tasks REVIEWER is given (class "none") until one for
// WINDOWID arrives; returns that task. Gives up after LIMIT tasks.
async function answerUntil(reviewer, windowId, limit = 8) {
  for (let i = 0; i < limit; i++) {
    const t = (await reviewer.next('task', 20000)).task;
    if (t.window.id === windowId) return t;
    reviewer.submit({ labelId: h.labelId(), windowId: t.window.id, classes: ['none'] });
    h.assertEq((await reviewer.next(['ack', 'error'])).msg, 'ack', `${t.window.id} stored`);
  }
  throw new Error(`${windowId} never offered after ${limit} other tasks`);
}

async function flag(reviewer, windowId, kind, reason) {
  reviewer.submit({ labelId: h.labelId(), windowId, flag: { kind, reason } });
  const m = await reviewer.next(['ack', 'error']);
  h.assertEq([m.msg, m.ack && m.ack.windowId], ['ack', windowId], `${kind} label stored`);
}

function recordsFor(entries, windowId) {
  return entries.filter((e) => e.pb && e.pb.windowId === windowId);
}

h.runTest('flags', { groupConf: GROUP, roles: { carol: 'expert' } }, async (stack) => {
  const alice = await stack.reviewer('alice');
  await alice.next('welcome');
  const amb = (await alice.next('task', 20000)).task.window.id;
  const bob = await stack.reviewer('bob');
  await bob.next('welcome');

  // Ambiguous: stored with flag and reason, readable fields too.
  await flag(alice, amb, 'FLAG_AMBIGUOUS', 'one ball or two?');
  const [first] = recordsFor(await stack.readStream('ringside:labels'), amb);
  h.assert(first, 'the ambiguous label is in Redis');
  h.assertEq([first.pb.flag.kind, first.pb.flag.reason, first.pb.reviewer, first.pb.expert],
    ['FLAG_AMBIGUOUS', 'one ball or two?', 'alice', false], 'flag kept in the record');
  h.assertEq([first.fields.flag, first.fields.flag_reason, first.fields.kinds],
    ['ambiguous', 'one ball or two?', ''], 'readable flag fields');

  // bob, a plain reviewer, becomes free: the flagged window waits at the
  // head of the queue, yet what he is offered next is another window.
  const bobTask = (await bob.next('task', 20000)).task;
  h.assert(bobTask.window.id !== amb, 'bob is not offered the ambiguous window');
  bob.submit({ labelId: h.labelId(), windowId: bobTask.window.id, classes: ['none'] });
  h.assertEq((await bob.next(['ack', 'error'])).msg, 'ack', 'bob labels his own window');
  const bobNext = (await bob.next('task', 20000)).task;
  h.assert(bobNext.window.id !== amb, 'bob, free, is still not offered the ambiguous window');

  // carol, an expert, is offered it at once, as a new attempt.
  const carol = await stack.reviewer('carol');
  await carol.next('welcome');
  const ct = (await carol.next('task', 5000)).task;
  h.assertEq([ct.window.id, ct.attempt], [amb, 2], 'the expert gets the ambiguous window');
  carol.submit({ labelId: h.labelId(), windowId: amb, classes: ['circle'] });
  h.assertEq((await carol.next(['ack', 'error'])).msg, 'ack', 'carol labels it');
  const both = recordsFor(await stack.readStream('ringside:labels'), amb);
  h.assertEq(both.map((e) => [e.pb.reviewer, e.pb.flag ? e.pb.flag.kind : 'FLAG_NONE',
    e.pb.expert, e.pb.attempt]),
  [['alice', 'FLAG_AMBIGUOUS', false, 1], ['carol', 'FLAG_NONE', true, 2]],
  'both records, the flagged one and the expert\'s');
  h.assertEq(both[1].fields.kinds, 'classes', 'kinds of the expert\'s label');
  h.assert(!('flag' in both[1].fields), 'no flag field on an unflagged label');
  // carol keeps her next window unanswered: from here on only bob is free.
  const carolBusy = (await carol.next('task', 20000)).task.window.id;

  // Skip: stored, then offered to someone else (bob answers his tasks
  // until it comes), never back to alice.
  const skip = (await alice.next('task', 20000)).task.window.id;
  await flag(alice, skip, 'FLAG_SKIP', 'not my area');
  h.assertEq(bobNext.window.id === skip, false, 'bob did not have it already');
  bob.submit({ labelId: h.labelId(), windowId: bobNext.window.id, classes: ['none'] });
  h.assertEq((await bob.next(['ack', 'error'])).msg, 'ack', 'bob is free again');
  const st = await answerUntil(bob, skip);
  h.assertEq(st.attempt, 2, 'a skip uses an attempt, like a decline');
  bob.submit({ labelId: h.labelId(), windowId: skip, classes: ['square'] });
  h.assertEq((await bob.next(['ack', 'error'])).msg, 'ack', 'bob labels the skipped window');
  const skipped = recordsFor(await stack.readStream('ringside:labels'), skip);
  h.assertEq(skipped.map((e) => [e.pb.reviewer, e.pb.flag ? e.pb.flag.kind : 'FLAG_NONE']),
    [['alice', 'FLAG_SKIP'], ['bob', 'FLAG_NONE']], 'the skip and the label');

  // Bad quality: stored, and the window is done: while bob works through
  // the next windows it never comes back, and nothing expires for it.
  const bad = (await alice.next('task', 20000)).task.window.id;
  await flag(alice, bad, 'FLAG_BAD_QUALITY', 'camera covered');
  const seen = [];
  for (let i = 0; i < 3; i++) {
    const t = (await bob.next('task', 20000)).task;
    seen.push(t.window.id);
    bob.submit({ labelId: h.labelId(), windowId: t.window.id, classes: ['none'] });
    h.assertEq((await bob.next(['ack', 'error'])).msg, 'ack', 'bob labels');
  }
  h.assert(!seen.includes(bad), `bad_quality window not reoffered (bob saw ${seen})`);
  h.assert(![alice, carol].some((r) => r.inbox.some((m) => m.msg === 'task' &&
    m.task.window.id === bad)), 'nor to alice or carol');
  h.assert(carolBusy !== bad, 'carol had another window');
  const expired = await stack.readStream('ringside:expired');
  h.assertEq(expired.filter((e) => [amb, skip, bad].includes(e.pb.windowId)).length, 0,
    'no flagged window expired');
  const badRec = recordsFor(await stack.readStream('ringside:labels'), bad);
  h.assertEq(badRec.map((e) => [e.pb.flag.kind, e.pb.flag.reason, e.fields.flag]),
    [['FLAG_BAD_QUALITY', 'camera covered', 'bad_quality']], 'bad_quality record');

  const metrics = (await h.httpGet(`${stack.httpUrl}/metrics`)).body;
  for (const kind of ['ambiguous', 'skip', 'bad_quality']) {
    h.assert(metrics.includes(`ringside_flags_total{kind="${kind}"} 1\n`), `${kind} counted`);
  }
});

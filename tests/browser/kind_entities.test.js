// One thing linked across modalities: a transcript segment "the forklift
// beeps" (speaker A) and a "bang" event are made while the window plays;
// l names an entity "forklift", which cannot be sent while it links
// nothing (the page says which entity); then the word "forklift" is
// selected in the segment's text, Esc, l opens the link list, and the
// word and the event are linked. The record in Redis has the entity with
// a mention of transcript segment 0, characters 4..12, and of event 0.
'use strict';
const h = require('../lib/harness');
const b = require('../lib/browser');

const TEST = 'browser-kind-entities';

const tx = (page) => b.editorState(page, 'transcript');
const ents = (page) => b.editorState(page, 'entities');
// [[name, [[target, start, end], ...]], ...] of the entities' state.
const links = (st) => st.entities.map((x) => [x.name, x.mentions.map((m) => [m.target, m.start, m.end])]);

// The key shown for the link list's row matching SELECTOR.
async function rowKey(page, selector) {
  const key = await page.textContent(`.picker ${selector} kbd`);
  h.assert(key && key.trim(), `a key for ${selector} in the link list`);
  return key.trim();
}

h.runTest(TEST, {
  groupConf: 'kinds = transcript,events,entities\nevent_classes = bang\n',
  timeBoxSeconds: 60, windowSeconds: 5, everySeconds: 6,
}, (stack) => b.onFirstTask(stack, async (page, windowId) => {
  await b.waitPlaying(page, 'transcript');
  await page.waitForTimeout(200);

  // A segment with speaker A, and an event, while it plays.
  await page.keyboard.press('t');
  await page.waitForTimeout(300);
  await page.keyboard.press('t');
  await page.keyboard.type('the forklift beeps');
  await page.keyboard.press('Enter');
  await page.keyboard.press('p');
  await page.keyboard.press('1');
  h.assertEq((await tx(page)).segs.map((s) => [s.text, s.speaker]), [['the forklift beeps', 'A']],
    'the segment');
  await page.keyboard.press('e');
  await page.waitForTimeout(200);
  await page.keyboard.press('e');
  const events = await page.evaluate(() => window.ringside.editors.events.state().items);
  h.assertEq(events.map((e) => e.class), ['bang'], 'the event');

  // An entity that links nothing is refused, by name.
  await page.keyboard.press('l');
  h.assertEq(await b.focused(page), 'INPUT.en-name', 'l puts the cursor in the new entity\'s name');
  await page.keyboard.type('forklift');
  await page.keyboard.press('Enter');
  h.assert(await page.isVisible('.picker'), 'Enter on the name opens the link list');
  await page.keyboard.press('Escape');
  h.assert(!(await page.isVisible('.picker')), 'Esc closes the link list');
  await page.keyboard.press('Enter');
  const refused = await b.waitState(page, 'the entity refused',
    (s) => /entity 1 “forklift” links nothing/.test(s.message), 3000);
  h.assertEq([refused.taskWindowId, refused.pendingAcks], [windowId, 0], 'nothing was sent');
  await b.shot(page, TEST, 'refused');

  // "forklift" selected in the segment's text: code points 4..12.
  await page.click('.tx-text');
  await page.keyboard.press('Home');
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
  for (let i = 0; i < 8; i++) await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('Escape');
  const sel = await tx(page);
  h.assertEq(sel.span, { key: sel.segs[0].key, start: 4, end: 12, text: 'forklift' }, 'the selected words');

  await page.keyboard.press('l');
  h.assert(await page.isVisible('.picker'), 'l on the selected entity opens the link list');
  const spanKey = await rowKey(page, '[data-target="transcript_segment"][data-span="4-12"]');
  const eventKey = await rowKey(page, '[data-target="event"]');
  await page.keyboard.press(spanKey);
  await page.keyboard.press(eventKey);
  await b.shot(page, TEST, 'link-list');
  await page.keyboard.press('Enter');
  h.assertEq(links(await ents(page)), [['forklift', [['transcript_segment', 4, 12], ['event', 0, 0]]]],
    'the entity and its links');
  h.assertEq(await page.$$eval('.en-group', (els) => els.map((g) => g.dataset.group)), ['speech', 'events'],
    'mentions grouped by modality');
  await b.shot(page, TEST, 'linked');
  await page.keyboard.press('?');
  h.assert(await page.isVisible('#help'), '? lists the keys');
  h.assert(/link items to the selected one/.test(await page.textContent('#help')), 'l is in the key list');
  await b.shot(page, TEST, 'keys');
  await page.keyboard.press('?');

  // A reload reoffers the window; the draft brings every part back.
  await page.reload();
  await b.waitState(page, 'signed in again', (s) => s.connected && s.reviewer === 'alice');
  await b.waitState(page, 'the same window again', (s) => s.taskWindowId === windowId);
  h.assertEq(links(await ents(page)), [['forklift', [['transcript_segment', 4, 12], ['event', 0, 0]]]],
    'the entity after a reload');
  h.assertEq((await tx(page)).segs.map((s) => [s.text, s.speaker]), [['the forklift beeps', 'A']],
    'the segment after a reload');
  const chips = await page.$$eval('.en-mention', (els) => els.map((m) => m.textContent));
  h.assert(chips.length === 2 && chips[0] === '“forklift” in #1' && /^bang \d/.test(chips[1]),
    `the mentions shown after a reload: ${JSON.stringify(chips)}`);

  // A second event linked, then the first deleted: its mention goes and
  // the second's index follows it to 0.
  await page.keyboard.press('e');
  await page.waitForTimeout(200);
  await page.keyboard.press('e');
  const twoEvents = await page.evaluate(() => window.ringside.editors.events.state().items);
  h.assertEq(twoEvents.length, 2, 'two events');
  await page.keyboard.press('l');
  await page.keyboard.press(await rowKey(page, '.picker-row[data-target="event"]:not(.off)'));
  await page.keyboard.press('Enter');
  h.assertEq((await ents(page)).entities[0].mentions.map((m) => m.target),
    ['transcript_segment', 'event', 'event'], 'three links');
  await page.keyboard.press('Shift+Tab');
  h.assertEq((await b.waitState(page, 'events focused', () => true)).focusedKind, 'LABEL_KIND_EVENTS',
    'Shift+Tab focuses the events');
  await page.keyboard.press('ArrowUp');
  h.assertEq(await page.evaluate(() => window.ringside.editors.events.state().selected), 0,
    'the first event selected');
  await page.keyboard.press('Delete');
  h.assertEq((await page.evaluate(() => window.ringside.editors.events.state().items)).length, 1,
    'the first event deleted');
  h.assertEq((await ents(page)).entities[0].mentions.map((m) => m.target),
    ['transcript_segment', 'event'], 'the deleted event\'s mention went with it');
  await b.shot(page, TEST, 'after-delete');

  await b.submitAndAck(page, windowId);
  const { label } = await b.storedLabel(stack, windowId);
  h.assertEq(label.transcript.map((s) => [s.text, s.speakerId]), [['the forklift beeps', 'A']],
    'transcript');
  h.assertEq(label.events.map((x) => x.class), ['bang'], 'events');
  const kept = BigInt(label.events[0].startNs) - BigInt(Math.round(twoEvents[1].start_ns));
  // doubles, and a time at the window's start kept 1 µs inside it
  h.assert(kept > -2000n && kept < 2000n,
    `the event kept is the second one marked: ${label.events[0].startNs} vs ${JSON.stringify(twoEvents)}`);
  h.assertEq(label.entities.length, 1, 'one entity');
  const [ent] = label.entities;
  h.assertEq(ent.name, 'forklift', 'entity name');
  h.assert(ent.entityId, 'entity id');
  const got = ent.mentions.map((m) => [m.target, m[m.target], m.textStart, m.textEnd]);
  h.assertEq(got, [['transcriptSegment', 0, 4, 12], ['event', 0, 0, 0]], 'mentions in Redis');
}));

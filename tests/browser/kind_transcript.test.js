// A transcript typed while the window plays: t marks a segment's start
// and end at the playhead (playback goes on, the cursor lands in its
// text), Enter commits the text, p adds a speaker and 1 gives it to the
// segment, m sets an emotion and n + 1 a sound tag. A second segment gets
// a second speaker. The record in Redis has both segments on mic inside
// the window, with their texts, speakers, emotion and tags, and the
// daemon marked the speaker change on the second.
//
// Then a model's transcript for a later window (two segments of speaker A)
// shows dashed with the model's name and confidence; a accepts both, one
// is deleted, and the record keeps the other as offered with the use
// counted (offered 2, accepted 1, deleted 1).
'use strict';
const h = require('../lib/harness');
const b = require('../lib/browser');

const TEST = 'browser-kind-transcript';
const WINDOW_S = 5;
const EVERY_S = 6;
const tx = (page) => b.editorState(page, 'transcript');

// Answers a task with a one-word segment.
async function nextWord(page) {
  await page.keyboard.press('t');
  await page.waitForTimeout(100);
  await page.keyboard.press('t');
  await page.keyboard.type('next');
  await page.keyboard.press('Enter');
}

// Marks one segment of about HOLD_MS with t … t and types TEXT, Enter.
async function segment(page, text, holdMs = 300) {
  await page.keyboard.press('t');
  const marking = await tx(page);
  h.assert(marking.marking, `t starts marking: ${JSON.stringify(marking)}`);
  await page.waitForTimeout(holdMs);
  await page.keyboard.press('t');
  const s = await tx(page);
  h.assert(!s.marking, 'the second t ends the segment');
  h.assertEq(await b.focused(page), 'INPUT.tx-text', 'the cursor is in the new segment\'s text');
  h.assert(s.playing, 'playback goes on after t … t');
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
  h.assertEq(await b.focused(page), 'page', 'Enter leaves the text field');
  return tx(page);
}

h.runTest(TEST, {
  groupConf: 'kinds = transcript\nemotions = neutral,angry\nsound_tags = music,traffic\n',
  timeBoxSeconds: 60, windowSeconds: WINDOW_S, everySeconds: EVERY_S,
}, (stack) => b.onFirstTask(stack, async (page, windowId) => {
  await b.waitPlaying(page, 'transcript');
  await page.waitForTimeout(200);

  let s = await segment(page, 'hello world');
  h.assertEq(s.segs.length, 1, 'one segment');
  h.assertEq(s.segs[0].text, 'hello world', 'its text');
  h.assert(s.segs[0].endS > s.segs[0].startS, `segment ${s.segs[0].startS}–${s.segs[0].endS} s`);

  await page.keyboard.press('p');
  await page.keyboard.press('1');
  await page.keyboard.press('m');
  await page.keyboard.press('n');
  h.assert(await page.isVisible('.picker'), 'n opens the sound tag list');
  await b.shot(page, TEST, 'tags');
  await page.keyboard.press('1');
  await page.keyboard.press('Escape');
  h.assert(!(await page.isVisible('.picker')), 'Esc closes the sound tag list');
  s = await tx(page);
  h.assertEq([s.segs[0].speaker, s.segs[0].emotion, s.segs[0].tags], ['A', 'neutral', ['music']],
    'speaker, emotion and tags of the first segment');

  s = await segment(page, 'and me');
  h.assertEq(s.segs.length, 2, 'two segments');
  await page.keyboard.press('p');
  await page.keyboard.press('2');
  s = await tx(page);
  h.assertEq(s.segs.map((x) => x.speaker), ['A', 'B'], 'speakers of the segments');
  const bars = await page.$$eval('#timeline .tx-bars .span-bar', (els) => els.map((e) => e.textContent));
  h.assertEq(bars, ['A', 'B'], 'segments on the timeline');
  await b.shot(page, TEST, 'two-segments');

  const acked = await b.submitAndAck(page, windowId);
  h.assert(acked.taskWindowId !== windowId, 'the acked task left the screen');
  const { label } = await b.storedLabel(stack, windowId);
  const [start, end] = [BigInt(label.windowStartNs), BigInt(label.windowEndNs)];
  h.assertEq(label.speakers.map((x) => x.speakerId), ['A', 'B'], 'speakers in Redis');
  h.assertEq(label.transcript.length, 2, 'segments in Redis');
  const [one, two] = label.transcript;
  for (const seg of label.transcript) {
    const [a, z] = [BigInt(seg.startNs), BigInt(seg.endNs)];
    h.assert(a >= start && a < z && z <= end, `segment ${a}–${z} inside the window ${start}–${end}`);
    h.assertEq(seg.source, 'mic', 'segment source');
  }
  h.assert(BigInt(one.endNs) <= BigInt(two.startNs), 'segments in time order, not overlapping');
  h.assertEq([one.text, one.speakerId, one.emotion, one.soundTags],
    ['hello world', 'A', 'neutral', ['music']], 'first segment in Redis');
  h.assertEq([two.text, two.speakerId, two.emotion, two.soundTags], ['and me', 'B', '', []],
    'second segment in Redis');
  h.assertEq(one.speakerChange, false, 'no speaker change on the first segment');
  h.assertEq(two.speakerChange, true, 'the daemon marked the speaker change on the second');

  // A model's transcript for a window still to come.
  const preStart = await b.preAnnotationWindow(stack, EVERY_S);
  const at = (ms) => String(preStart + BigInt(ms) * 1000000n);
  const offered = [
    { startNs: at(200), endNs: at(900), source: 'mic', text: 'beep beep', speakerId: 'A',
      confidence: 0.75 },
    { startNs: at(1000), endNs: at(1500), source: 'mic', text: 'stop', speakerId: 'A', confidence: 0.5 },
  ];
  const pre = { group: 'g', startNs: at(0), endNs: at(WINDOW_S * 1000), model: 'asr',
    modelVersion: 'w3', label: { speakers: [{ speakerId: 'A' }], transcript: offered } };
  await b.offerPreAnnotation(stack, pre);
  const preWindow = `g:${preStart}`;
  await b.skipTo(page, preWindow, nextWord);
  await page.waitForFunction(() => window.ringside.editors.transcript.state().segs.length === 2, null,
    { timeout: 5000 });
  s = await tx(page);
  h.assertEq(s.segs.map((x) => [x.text, x.speaker, x.pre]),
    [['beep beep', 'A', 'pending'], ['stop', 'A', 'pending']], 'the model\'s segments wait');
  const badges = await page.$$eval('.tx-seg.pre .pre-badge', (els) => els.map((e) => e.textContent));
  h.assertEq(badges, ['asr w3 0.75', 'asr w3 0.50'], 'badges with model and confidence');
  h.assertEq((await page.$$('#timeline .tx-bars .span-bar.pre')).length, 2, 'dashed bars on the timeline');
  await b.shot(page, TEST, 'preannotations');
  await page.keyboard.press('a');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Delete');
  h.assertEq((await tx(page)).segs.map((x) => [x.text, x.pre]), [['beep beep', 'accepted']], 'one kept');
  await b.submitAndAck(page, preWindow);
  const stored = (await b.storedLabel(stack, preWindow)).label;
  h.assertEq(stored.transcript.map((x) => [x.startNs, x.endNs, x.source, x.text, x.speakerId]),
    [[at(200), at(900), 'mic', 'beep beep', 'A']], 'the accepted segment as offered');
  h.assertEq(stored.preannotations, { shown: true, offered: 2, accepted: 1, changed: 0, deleted: 1 },
    'how the model\'s segments were used');
}));

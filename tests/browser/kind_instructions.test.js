// Instruction/response pairs in the reviewer page while the window plays:
// `i` opens a pair with the cursor in the instruction, Tab goes on to the
// response (the browser's Tab, not the page's), Enter with the response
// still empty names the pair and sends nothing; the response typed, Tab to
// the source boxes and Space unticks cam (video and audio are ticked by
// default), Shift+I narrows it to the moment of its `i`, and Enter sends
// it.
'use strict';
const h = require('../lib/harness');
const { onFirstTask, waitState, shot, submitAndAck, storedLabel, editorState, waitEditor,
  assertMoment, pressAt } = require('../lib/browser');

const TEST = 'kind-instructions';
const WINDOW_S = 3;

const pairs = (page) => editorState(page, 'instructions');
const active = (page) => page.evaluate(() => {
  const el = document.activeElement;
  if (!el) return '';
  const value = el.type === 'checkbox' ? `=${el.value}` : '';
  return `${el.tagName.toLowerCase()}.${el.className}${value}`;
});

h.runTest(TEST, { groupConf: 'kinds = instructions\n', windowSeconds: WINDOW_S, everySeconds: 4,
  timeBoxSeconds: 60 },
(stack) => onFirstTask(stack, async (page, windowId) => {
  await waitEditor(page, 'instructions');

  const pressed = await pressAt(page, 'instructions', 'i');
  h.assertEq(await active(page), 'textarea.item-text instruction', 'the cursor is in the instruction');
  let st = await pairs(page);
  h.assertEq(st.items[0].sources, ['cam', 'mic'], 'refers to the video and audio by default');
  await page.keyboard.type('Which way is the ball moving?');
  await page.keyboard.press('Tab');
  h.assertEq(await active(page), 'textarea.item-text response', 'Tab: on to the response');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Enter');
  const refused = await waitState(page, 'the refusal',
    (x) => /instruction 1 has no response/.test(x.message));
  h.assertEq([refused.lastAck, refused.pendingAcks], [null, 0], 'nothing sent');
  await shot(page, TEST, 'no-response');

  await page.click('section[data-kind="LABEL_KIND_INSTRUCTIONS"] textarea.response');
  await page.keyboard.type('It bounces off the walls, mostly left to right.');
  await page.keyboard.press('Tab');
  h.assertEq(await active(page), 'input.=cam', 'Tab: on to the first source box');
  await page.keyboard.press(' ');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Shift+I');
  st = await pairs(page);
  h.assertEq(st.items.length, 1, 'typing "i" in the fields made no new pair');
  h.assertEq(st.items[0].sources, ['mic'], 'Space unticked cam');
  h.assert(st.items[0].start_ns > 0, 'Shift+I: about its moment');
  await shot(page, TEST, 'filled');
  await submitAndAck(page, windowId);

  const { label } = await storedLabel(stack, windowId);
  h.assertEq(label.instructions.length, 1, 'one pair stored');
  const p = label.instructions[0];
  h.assertEq([p.instruction, p.response, p.sources],
    ['Which way is the ball moving?', 'It bounces off the walls, mostly left to right.', ['mic']],
    'instruction, response and sources stored');
  assertMoment(label, p, pressed, WINDOW_S, 'the pair');
}));

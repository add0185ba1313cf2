// Captions in the reviewer page while the window plays: `c` opens a
// caption with the cursor in its text (typing "c" there is text, not a new
// caption), the count shows it is shorter than caption_min_chars, Enter
// names the caption that is too short and sends nothing; more text, Shift+C
// narrows it to the moment of its `c`, a reload brings it back from the
// draft, a second caption stays about the whole window, and Enter sends
// both.
'use strict';
const h = require('../lib/harness');
const { onFirstTask, waitState, shot, submitAndAck, storedLabel, editorState, waitEditor,
  assertMoment, pressAt } = require('../lib/browser');

const TEST = 'kind-captions';
const WINDOW_S = 3;

const caps = (page) => editorState(page, 'captions');
const active = (page) => page.evaluate(() => {
  const el = document.activeElement;
  return el ? `${el.tagName.toLowerCase()}.${el.className}` : '';
});

h.runTest(TEST, { groupConf: 'kinds = captions\ncaption_min_chars = 10\n',
  windowSeconds: WINDOW_S, everySeconds: 4, timeBoxSeconds: 60 },
(stack) => onFirstTask(stack, async (page, windowId) => {
  await waitEditor(page, 'captions');

  const pressed = await pressAt(page, 'captions', 'c');
  h.assert(/^textarea/.test(await active(page)), `the cursor is in the caption: ${await active(page)}`);
  await page.keyboard.type('a ball');
  let st = await caps(page);
  h.assertEq(st.items.map((c) => c.text), ['a ball'], 'typed into the caption');
  const count = await page.textContent('section[data-kind="LABEL_KIND_CAPTIONS"] .item-count');
  h.assert(/^6 \/ 10/.test(count), `live count against the minimum: ${count}`);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Enter');
  const refused = await waitState(page, 'the refusal',
    (x) => /caption 1 is too short: 6 of at least 10/.test(x.message));
  h.assertEq([refused.lastAck, refused.pendingAcks], [null, 0], 'nothing sent');
  await shot(page, TEST, 'too-short');

  // More text: "c" inside the field is a letter, not a new caption.
  await page.click('section[data-kind="LABEL_KIND_CAPTIONS"] textarea');
  await page.keyboard.press('End');
  await page.keyboard.type(' bounces across');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Shift+C');
  st = await caps(page);
  h.assertEq(st.items.length, 1, 'still one caption');
  h.assert(st.items[0].start_ns > 0, 'Shift+C: the caption is about its moment');

  // A reload: the daemon offers the window again and the draft is back.
  await page.reload();
  await waitState(page, 'the window again', (x) => x.taskWindowId === windowId, 20000);
  await page.waitForFunction(() => window.ringside.editors && window.ringside.editors.captions
    && window.ringside.editors.captions.state().items.length === 1, null, { timeout: 5000 });
  h.assertEq((await caps(page)).items, st.items, 'the caption is restored from the draft');
  h.assertEq(await page.inputValue('section[data-kind="LABEL_KIND_CAPTIONS"] textarea'),
    'a ball bounces across', 'its text is on screen');

  await page.keyboard.press('c');
  await page.keyboard.type('a white ball on a black ground');
  await page.keyboard.press('Escape');
  await shot(page, TEST, 'two-captions');
  await submitAndAck(page, windowId);

  const { label } = await storedLabel(stack, windowId);
  h.assertEq(label.captions.map((c) => c.text), ['a ball bounces across', 'a white ball on a black ground'],
    'both captions stored');
  const [a, b] = label.captions;
  assertMoment(label, a, pressed, WINDOW_S, 'the first caption');
  h.assertEq([b.startNs, b.endNs], ['0', '0'], 'the second is about the whole window');
}));

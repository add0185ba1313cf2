// Timed events in the reviewer page, driven by keys while the window plays:
// `e` at two moments 300 ms apart marks an event there (a bar grows on the
// timeline meanwhile), `2` gives it the second event class, `o` cycles its
// sources, a second event is made, picked on the timeline, selected with
// the arrows and deleted. Enter while an event is half marked says so and
// sends nothing. The stored label has the event near the playhead times,
// with its class and sources. Then a model's events arrive with a window:
// dashed until taken, one accepted as it is, one changed, one deleted, and
// the label says so.
'use strict';
const h = require('../lib/harness');
const { onFirstTask, waitState, shot, submitAndAck, storedLabel, editorState, labelSeconds,
  assertNear, pressAt, playWindow, skipTo, preAnnotationWindow,
  offerPreAnnotation } = require('../lib/browser');

const TEST = 'kind-events';
const WINDOW_S = 3;
const EVERY_S = 4;

const events = (page) => editorState(page, 'events');

const rowsText = (page) => page.$$eval('section[data-kind="LABEL_KIND_EVENTS"] li.item',
  (lis) => lis.map((li) => ({ text: li.textContent, pre: li.classList.contains('pre'),
    selected: li.classList.contains('selected') })));

h.runTest(TEST, { groupConf: 'kinds = classes,events\nevent_classes = bang,hum\n',
  windowSeconds: WINDOW_S, everySeconds: EVERY_S, timeBoxSeconds: 60, queueMax: 16 },
(stack) => onFirstTask(stack, async (page, windowId) => {
  await playWindow(page, 'events', WINDOW_S);

  // Marking while it plays: start, a bar that grows, end.
  const [s0, s1] = await pressAt(page, 'events', 'e');
  await h.sleep(300);
  let st = await events(page);
  h.assert(st.marking && st.playing, `marking while playing: ${JSON.stringify(st)}`);
  // The bar is drawn again every frame while marking: measured in the page.
  await page.waitForFunction(() => {
    const bar = document.querySelector('#timeline .span-bar.live');
    return bar && bar.getBoundingClientRect().width > 5;
  }, null, { timeout: 2000 });
  await shot(page, TEST, 'marking');
  const [e0, e1] = await pressAt(page, 'events', 'e');
  st = await events(page);
  h.assertEq(st.items.length, 1, 'one event');
  h.assertEq(st.selected, 0, 'the new event is selected');
  h.assertEq(st.items[0].class, 'bang', 'the first event class by default');
  await waitState(page, 'the events focused', (x) => x.focusedKind === 'LABEL_KIND_EVENTS', 2000);

  await page.keyboard.press('2');
  await page.keyboard.press('o');
  await page.keyboard.press('o');
  st = await events(page);
  h.assertEq(st.items[0].class, 'hum', 'digit 2 sets the second event class');
  h.assertEq(st.items[0].sources, ['mic'], 'o twice: the second source alone');
  let rows = await rowsText(page);
  h.assert(/hum/.test(rows[0].text) && /audio only: mic/.test(rows[0].text),
    `the list shows class and sources: ${rows[0].text}`);

  // A second event, picked back on the timeline, then deleted with keys.
  await page.keyboard.press('e');
  await h.sleep(150);
  await page.keyboard.press('e');
  st = await events(page);
  h.assertEq([st.items.length, st.selected], [2, 1], 'a second event, selected');
  const box = await page.$eval('#timeline .span-bar[data-key="0"]', (el) => {
    const r = el.getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height };
  });
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  h.assertEq((await events(page)).selected, 0, 'a click on its bar selects the first');
  await page.keyboard.press('ArrowDown');
  h.assertEq((await events(page)).selected, 1, 'ArrowDown selects the next');
  await shot(page, TEST, 'two-events');
  await page.keyboard.press('Delete');
  st = await events(page);
  h.assertEq(st.items.length, 1, 'Delete removes the selected event');
  h.assertEq(st.items[0].class, 'hum', 'the first one is left');

  // Half marked: Enter explains and sends nothing; Esc stops marking.
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('2'); // window class "square"
  await page.keyboard.press('e');
  await page.keyboard.press('Enter');
  const refused = await waitState(page, 'the refusal', (x) => /being marked/.test(x.message));
  h.assertEq([refused.lastAck, refused.pendingAcks], [null, 0], 'nothing sent while marking');
  await shot(page, TEST, 'refused');
  await page.keyboard.press('Escape');
  h.assert(!(await events(page)).marking, 'Esc stops marking');

  await submitAndAck(page, windowId);
  const { label } = await storedLabel(stack, windowId);
  h.assertEq(label.classes, ['square'], 'window class');
  h.assertEq(label.events.length, 1, 'one event stored');
  const ev = label.events[0];
  h.assertEq([ev.class, ev.sources], ['hum', ['mic']], 'class and sources stored');
  const a = labelSeconds(label, ev.startNs);
  const b = labelSeconds(label, ev.endNs);
  assertNear(a, s0, s1, 'event start vs the playhead at the first e');
  assertNear(b, e0, e1, 'event end vs the playhead at the second e');
  h.assert(a >= 0 && b > a && b <= WINDOW_S, `event [${a}, ${b}) inside the window`);
  h.assert(b - a > 0.2, `the event lasts about the 300 ms waited (${(b - a).toFixed(3)} s)`);
  h.assertEq(label.preannotations, null, 'no pre-annotations were offered');

  // A model's events for a window still to come.
  const start = await preAnnotationWindow(stack, EVERY_S);
  const at = (ms) => String(start + BigInt(ms) * 1000000n);
  const pre = {
    group: 'g', startNs: at(0), endNs: at(WINDOW_S * 1000), model: 'detector', modelVersion: 'v7',
    label: { events: [
      { startNs: at(200), endNs: at(600), class: 'hum', confidence: 0.875 },
      { startNs: at(1000), endNs: at(1500), class: 'bang', confidence: 0.625 },
      { startNs: at(2000), endNs: at(2400), class: 'bang', confidence: 0.5 },
    ] },
  };
  await offerPreAnnotation(stack, pre);
  const preWindow = `g:${start}`;
  // Labels (class "none") every window until that one is shown.
  await skipTo(page, preWindow, () => page.keyboard.press('1'));

  await page.waitForFunction(() => window.ringside.editors.events.state().items.length === 3,
    null, { timeout: 5000 });
  rows = await rowsText(page);
  h.assertEq(rows.map((r) => r.pre), [true, true, true], 'the model\'s events are pending');
  h.assert(/detector v7 0\.88/.test(rows[0].text), `badge with model and confidence: ${rows[0].text}`);
  h.assertEq((await page.$$('#timeline .span-bar.pre')).length, 3, 'dashed bars on the timeline');
  await shot(page, TEST, 'preannotations');

  await page.keyboard.press('Tab'); // focus events
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('2'); // its own class: accepted as it is
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('o'); // changed
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Delete'); // deleted
  rows = await rowsText(page);
  h.assertEq(rows.map((r) => r.pre), [false, false], 'taken items are no longer dashed');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('1');
  await shot(page, TEST, 'preannotations-taken');
  await submitAndAck(page, preWindow);
  const stored = (await storedLabel(stack, preWindow)).label;
  h.assertEq(stored.events.map((e) => [e.startNs, e.endNs, e.class, e.sources]),
    [[at(200), at(600), 'hum', []], [at(1000), at(1500), 'bang', ['cam']]],
    'the accepted event as offered, the changed one changed');
  h.assertEq(stored.preannotations, { shown: true, offered: 3, accepted: 1, changed: 1, deleted: 1 },
    'how the pre-annotations were used');
}));

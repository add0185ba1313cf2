// Sensor segments in the reviewer page while the window plays: `g` at two
// moments 300 ms apart marks a segment of the IMU there (a band grows on
// its plot meanwhile), `2` gives it the second segment class, `h` twice
// narrows it to channel ay; a drag across the plot makes a second one; a
// third is made and deleted with the keys. Enter while a segment is half
// marked says so and sends nothing. The stored label has both segments,
// near the playhead times and the dragged span, with source, channels and
// class.
'use strict';
const h = require('../lib/harness');
const { onFirstTask, waitState, shot, submitAndAck, storedLabel, editorState, labelSeconds,
  assertNear, pressAt, playWindow } = require('../lib/browser');

const TEST = 'kind-sensor-segments';
const WINDOW_S = 3;

const segs = (page) => editorState(page, 'sensor_segments');

h.runTest(TEST, { groupConf: 'kinds = classes,sensor_segments\nsegment_classes = bump,still\n',
  windowSeconds: WINDOW_S, everySeconds: 4, timeBoxSeconds: 60 },
(stack) => onFirstTask(stack, async (page, windowId) => {
  await playWindow(page, 'sensor_segments', WINDOW_S);

  const [s0, s1] = await pressAt(page, 'sensor_segments', 'g');
  await h.sleep(300);
  let st = await segs(page);
  h.assert(st.marking && st.playing, `marking while playing: ${JSON.stringify(st)}`);
  // The band is drawn again every frame while marking: measured in the page.
  await page.waitForFunction(() => {
    const bar = document.querySelector('#plots .segment-bands .span-bar.live');
    return bar && bar.getBoundingClientRect().width > 5;
  }, null, { timeout: 2000 });
  await shot(page, TEST, 'marking');
  const [e0, e1] = await pressAt(page, 'sensor_segments', 'g');
  st = await segs(page);
  h.assertEq(st.items.length, 1, 'one segment');
  h.assertEq([st.items[0].source, st.items[0].channels, st.items[0].class], ['imu', [], 'bump'],
    'on the only sensor, all channels, the first segment class');
  await waitState(page, 'the segments focused', (x) => x.focusedKind === 'LABEL_KIND_SENSOR_SEGMENTS',
    2000);
  await page.keyboard.press('2');
  await page.keyboard.press('h');
  await page.keyboard.press('h');
  st = await segs(page);
  h.assertEq([st.items[0].class, st.items[0].channels], ['still', ['ay']],
    'digit 2: second class; h twice: channel ay alone');
  const row = await page.textContent('section[data-kind="LABEL_KIND_SENSOR_SEGMENTS"] li.item');
  h.assert(/still/.test(row) && /imu: ay/.test(row), `the list shows it: ${row}`);

  // A drag across the plot from 20 % to 40 % of the window.
  const over = await (await page.$('#plots .u-over')).boundingBox();
  const y = over.y + over.height * 0.7;
  await page.mouse.move(over.x + over.width * 0.2, y);
  await page.mouse.down();
  await page.mouse.move(over.x + over.width * 0.3, y, { steps: 4 });
  await page.mouse.move(over.x + over.width * 0.4, y, { steps: 4 });
  await page.mouse.up();
  st = await segs(page);
  h.assertEq([st.items.length, st.selected], [2, 1], 'the drag made a second segment, selected');
  await shot(page, TEST, 'dragged');

  // A third, deleted with the keys.
  await page.keyboard.press('g');
  await h.sleep(100);
  await page.keyboard.press('g');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowDown');
  h.assertEq((await segs(page)).selected, 2, 'ArrowUp then ArrowDown: back on the third');
  await page.keyboard.press('Backspace');
  h.assertEq((await segs(page)).items.length, 2, 'Backspace deletes it');

  // Half marked: Enter explains and sends nothing.
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('2');
  await page.keyboard.press('g');
  await page.keyboard.press('Enter');
  const refused = await waitState(page, 'the refusal', (x) => /being marked/.test(x.message));
  h.assertEq([refused.lastAck, refused.pendingAcks], [null, 0], 'nothing sent while marking');
  await page.keyboard.press('Escape');
  h.assert(!(await segs(page)).marking, 'Esc stops marking');
  await shot(page, TEST, 'before-submit');

  await submitAndAck(page, windowId);
  const { label } = await storedLabel(stack, windowId);
  h.assertEq(label.classes, ['square'], 'window class');
  h.assertEq(label.sensorSegments.length, 2, 'two segments stored');
  const [a, b] = label.sensorSegments;
  h.assertEq([a.source, a.channels, a.class], ['imu', ['ay'], 'still'], 'the marked one');
  assertNear(labelSeconds(label, a.startNs), s0, s1, 'start vs the playhead at the first g');
  assertNear(labelSeconds(label, a.endNs), e0, e1, 'end vs the playhead at the second g');
  h.assertEq([b.source, b.channels, b.class], ['imu', ['ay'], 'bump'],
    'the dragged one: on the sensor and channel chosen last, first class');
  assertNear(labelSeconds(label, b.startNs), 0.2 * WINDOW_S, 0.2 * WINDOW_S, 'dragged start');
  assertNear(labelSeconds(label, b.endNs), 0.4 * WINDOW_S, 0.4 * WINDOW_S, 'dragged end');
}));

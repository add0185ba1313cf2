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
const { openReviewer, waitTask, waitState, shot, submitAndAck, storedLabel,
  assertNoErrors } = require('../lib/browser');

const TEST = 'kind-sensor-segments';
const TOL_S = 0.15;
const WINDOW_S = 3;

const segs = (page) => page.evaluate(() => window.ringside.editors.sensor_segments.state());
const sec = (label, ns) => Number(BigInt(ns) - BigInt(label.windowStartNs)) / 1e9;

function near(actual, lo, hi, what) {
  h.assert(actual >= lo - TOL_S && actual <= hi + TOL_S,
    `${what}: ${actual.toFixed(3)} s, expected within [${lo.toFixed(3)}, ${hi.toFixed(3)}] ± ${TOL_S}`);
}

async function pressAt(page, key) {
  const before = (await segs(page)).position;
  await page.keyboard.press(key);
  const after = (await segs(page)).position;
  return [before, after];
}

async function playing(page) {
  await page.waitForFunction(() => window.ringside.editors && window.ringside.editors.sensor_segments,
    null, { timeout: 5000 });
  if ((await segs(page)).position > WINDOW_S - 2) {
    for (let i = 0; i < WINDOW_S; i++) await page.keyboard.press('ArrowLeft');
  }
  if (!(await segs(page)).playing) await page.keyboard.press(' ');
  // The first key lets the browser play sound: the playhead moves to the
  // audio clock, which holds it for the output latency after a (re)start.
  // Wait until it moves on that clock.
  await page.keyboard.press('Shift');
  await page.waitForFunction(() => window.ringside.editors.sensor_segments.state().clock === 'audio', null,
    { timeout: 3000 });
  const from = (await segs(page)).position;
  await page.waitForFunction((p) => {
    const s = window.ringside.editors.sensor_segments.state();
    return s.playing && s.position > p + 0.05;
  }, from, { timeout: 3000 });
}

h.runTest(TEST, { groupConf: 'kinds = classes,sensor_segments\nsegment_classes = bump,still\n',
  windowSeconds: WINDOW_S, everySeconds: 4, timeBoxSeconds: 60 },
async (stack) => {
  const browser = await h.launchChromium();
  try {
    const page = await openReviewer(stack, browser);
    const { taskWindowId: windowId } = await waitTask(page);
    await playing(page);

    const [s0, s1] = await pressAt(page, 'g');
    await h.sleep(300);
    let st = await segs(page);
    h.assert(st.marking && st.playing, `marking while playing: ${JSON.stringify(st)}`);
    // The band is drawn again every frame while marking: measured in the page.
    await page.waitForFunction(() => {
      const bar = document.querySelector('#plots .segment-bands .span-bar.live');
      return bar && bar.getBoundingClientRect().width > 5;
    }, null, { timeout: 2000 });
    await shot(page, TEST, 'marking');
    const [e0, e1] = await pressAt(page, 'g');
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
    near(sec(label, a.startNs), s0, s1, 'start vs the playhead at the first g');
    near(sec(label, a.endNs), e0, e1, 'end vs the playhead at the second g');
    h.assertEq([b.source, b.channels, b.class], ['imu', ['ay'], 'bump'],
      'the dragged one: on the sensor and channel chosen last, first class');
    near(sec(label, b.startNs), 0.2 * WINDOW_S, 0.2 * WINDOW_S, 'dragged start');
    near(sec(label, b.endNs), 0.4 * WINDOW_S, 0.4 * WINDOW_S, 'dragged end');
    assertNoErrors(page);
  } finally {
    await browser.close();
  }
});

// Flags from the reviewer page: "f" opens the flag panel, "1" picks
// ambiguous, the reviewer types why and Enter sends; the label in Redis
// carries the flag (and the class chosen before), and the window goes to
// an expert (carol, ambiguous_to = expert) next. "s" opens the same panel
// on skip, a digit picks a usual reason, Enter sends. Esc cancels, and
// while the panel is open a digit does not touch the classes.
'use strict';
const h = require('../lib/harness');
const { openReviewer, waitTask, waitState, shot, storedLabel, assertNoErrors } =
  require('../lib/browser');

const pressed = (page) => page.evaluate(() =>
  [...document.querySelectorAll('#editors button.class')].map((b) => b.getAttribute('aria-pressed')));

h.runTest('browser-flags', {
  timeBoxSeconds: 60,
  maxAttempts: 4,
  roles: { carol: 'expert' },
  groupConf: 'ambiguous_to = expert\n',
}, async (stack) => {
  const browser = await h.launchChromium();
  try {
    const page = await openReviewer(stack, browser);
    const first = await waitTask(page);
    const a = first.taskWindowId;

    // Esc cancels; digits meanwhile belong to the panel.
    await page.keyboard.press('f');
    await waitState(page, 'the flag panel', (s) => s.flagOpen && s.flagStage === 'kind', 3000);
    await page.keyboard.press('Escape');
    let s = await waitState(page, 'the panel closed', (x) => !x.flagOpen, 3000);
    h.assertEq(s.taskWindowId, a, 'still the same window');

    // 2 (square), then f 1 "reason" Enter: an ambiguous label with its class.
    await page.keyboard.press('2');
    await page.keyboard.press('f');
    await page.keyboard.press('1');
    await waitState(page, 'the reason step', (x) => x.flagStage === 'reason', 3000);
    const reason = 'two shapes at once, hard to say';
    await page.keyboard.type(reason);
    await shot(page, 'browser-flags', 'ambiguous');
    await page.keyboard.press('Enter');
    await waitState(page, `the ack for ${a}`, (x) => !!x.lastAck && x.lastAck.windowId === a, 15000);
    const stored = await storedLabel(stack, a);
    h.assertEq(stored.label.flag, { kind: 'FLAG_AMBIGUOUS', reason }, 'flag in Redis');
    h.assertEq(stored.label.classes, ['square'], 'the class goes along');
    h.assertEq(stored.label.reviewer, 'alice', 'reviewer');

    // The window is offered again, to the expert.
    const carol = await stack.reviewer('carol');
    await carol.next('welcome');
    let again = null;
    const until = Date.now() + 30000;
    while (!again && Date.now() < until) {
      const m = await carol.next('task', Math.max(1000, until - Date.now()));
      if (m.task.window.id === a) again = m.task;
      else carol.send({ decline: { window_id: m.task.window.id } });
    }
    h.assert(again, `window ${a} offered to carol`);
    h.log(`${a} offered to carol, attempt ${again.attempt}`);

    // s: skip with a usual reason (2: off-topic); no class needed.
    s = await waitTask(page, { not: a });
    const b = s.taskWindowId;
    await page.keyboard.press('s');
    await waitState(page, 'the skip reasons', (x) => x.flagOpen && x.flagStage === 'reason', 3000);
    await page.keyboard.press('2');
    h.assertEq(await page.inputValue('#flag-panel input'), 'off-topic', 'reason 2 picked');
    h.assert(!(await pressed(page)).includes('true'), 'the digit did not choose a class');
    await shot(page, 'browser-flags', 'skip');
    await page.keyboard.press('Enter');
    await waitState(page, `the ack for ${b}`, (x) => !!x.lastAck && x.lastAck.windowId === b, 15000);
    const skipped = await storedLabel(stack, b);
    h.assertEq(skipped.label.flag, { kind: 'FLAG_SKIP', reason: 'off-topic' }, 'skip flag in Redis');
    h.assertEq(skipped.label.classes, [], 'no class');
    assertNoErrors(page);
  } finally {
    await browser.close();
  }
});

// Prefetch in the reviewer page: the page asks for one held task
// (Hello.prefetch = 1); the daemon sends it while the first is on screen
// ("next: 1 ready") and the page decodes it ahead. After "2, Enter" on the
// first, the second window is on screen at the ack, without waiting for
// any new Task message, its picture drawn and its countdown running from
// the full time box; the daemon's Deadline for it then arrives and the
// page counts from that.
'use strict';
const h = require('../lib/harness');
const { openReviewer, waitTask, waitState, shot, submitAndAck, storedLabel, assertNoErrors } =
  require('../lib/browser');

const TIME_BOX_S = 30;

h.runTest('browser-prefetch', { timeBoxSeconds: TIME_BOX_S }, async (stack) => {
  const browser = await h.launchChromium();
  try {
    const page = await openReviewer(stack, browser);
    const first = await waitTask(page);
    const a = first.taskWindowId;
    const ready = await waitState(page, 'a held task behind the first',
      (s) => s.queued === 1 && !!s.nextWindowId && s.nextPrepared, 15000);
    const b = ready.nextWindowId;
    h.assertEq(ready.taskWindowId, a, 'the first stays on screen');
    h.assertEq(await page.textContent('#queue'), 'next: 1 ready', 'queue line');
    await shot(page, 'browser-prefetch', 'held');
    const messagesBefore = ready.taskMessages;

    await page.keyboard.press('2');
    const acked = await submitAndAck(page, a);
    // removeTask() shows the held one in the ack handler itself.
    h.assertEq(acked.taskWindowId, b, 'the held window is on screen at the ack');
    h.assertEq(acked.shownAtMessages, messagesBefore, 'no Task message was needed to show it');
    h.assert(acked.countdownMs > (TIME_BOX_S - 2) * 1000 && acked.countdownMs <= TIME_BOX_S * 1000,
      `its countdown starts from the full box: ${acked.countdownMs} ms`);
    h.assertEq(await page.textContent('#window-id'), b, 'window id on the page');

    // Its picture is drawn (decoded ahead) and its countdown runs.
    await page.waitForFunction(() => {
      const c = document.querySelector('#media canvas');
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < px.length; i += 4) if (px[i] + px[i + 1] + px[i + 2] > 30) return true;
      return false;
    }, null, { timeout: 2000, polling: 50 });
    await waitState(page, 'the countdown running',
      (s) => s.taskWindowId === b && s.countdownMs < acked.countdownMs - 300, 3000);
    // The daemon's Deadline starts its clock too: no longer held.
    await waitState(page, 'the Deadline of the held task', (s) => s.taskWindowId === b && !s.taskHeld, 5000);
    await shot(page, 'browser-prefetch', 'next');

    // And it is answered like any other.
    await page.keyboard.press('3');
    await submitAndAck(page, b);
    h.assertEq((await storedLabel(stack, b)).label.classes, ['circle'], 'classes of the second');
    h.assertEq((await storedLabel(stack, a)).label.classes, ['square'], 'classes of the first');
    assertNoErrors(page);
  } finally {
    await browser.close();
  }
});

// A draft survives a dropped connection: the reviewer marks a class, the
// websocket dies, the page says it is reconnecting and clears the task;
// once it is back the daemon offers the same window again, the page puts
// the reviewer's marks back, and "Enter" alone stores them in Redis.
'use strict';
const h = require('../lib/harness');
const { openReviewer, waitTask, waitState, shot, submitAndAck, storedLabel, assertNoErrors } =
  require('../lib/browser');

const pressed = (page) => page.evaluate(() =>
  [...document.querySelectorAll('#editors button.class')].map((b) => b.getAttribute('aria-pressed')));

h.runTest('browser-reconnect', { timeBoxSeconds: 60, maxAttempts: 4 }, async (stack) => {
  const browser = await h.launchChromium();
  try {
    const page = await openReviewer(stack, browser);
    const first = await waitTask(page);
    const a = first.taskWindowId;
    await page.keyboard.press('2');
    h.assertEq(await pressed(page), ['false', 'true', 'false'], 'square chosen');
    const draft = await page.evaluate(() => localStorage.getItem('ringside.drafts'));
    h.assert(draft && draft.includes(a), `a draft for ${a} is kept: ${draft}`);

    // The websocket dies (closed under the page, as a network blip would).
    await page.evaluate(() => window.ringside.dropConnection());
    await waitState(page, 'the connection dropped', (x) => !x.connected && !x.taskWindowId, 5000);
    h.assert((await page.textContent('#conn')).startsWith('reconnecting'), 'status says reconnecting');
    await shot(page, 'browser-reconnect', 'dropped');
    await waitState(page, 'connected again', (x) => x.connected, 15000);

    // The same window comes back (after any offered ahead of it, which
    // get an answer of their own), with the mark on it.
    const until = Date.now() + 30000;
    let s;
    for (;;) {
      s = await waitTask(page, { timeoutMs: Math.max(1000, until - Date.now()) });
      if (s.taskWindowId === a) break;
      h.log(`${s.taskWindowId} first; answering it`);
      await page.keyboard.press('1');
      await submitAndAck(page, s.taskWindowId);
    }
    h.assertEq(await pressed(page), ['false', 'true', 'false'], 'square chosen again after the reconnect');
    await shot(page, 'browser-reconnect', 'back');
    await submitAndAck(page, a);
    const stored = await storedLabel(stack, a);
    h.assertEq(stored.label.classes, ['square'], 'classes in Redis');
    h.log(`${a} stored at attempt ${stored.label.attempt}`);
    assertNoErrors(page);
  } finally {
    await browser.close();
  }
});

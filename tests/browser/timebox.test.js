// The time box in the reviewer page: the countdown turns amber then red as
// it runs out; "x" asks for more time and the countdown starts again with
// "more time: +10 s"; a second "x" is refused (the group grants one) and
// the page says so; when the time is up the daemon revokes the window and
// the page says so in a notice that floats over the stage (nothing moves)
// and stays a few seconds.
'use strict';
const h = require('../lib/harness');
const { openReviewer, waitTask, waitState, shot, assertNoErrors } = require('../lib/browser');

const TIME_BOX_S = 6;

const fillColour = (page) => page.evaluate(() =>
  getComputedStyle(document.getElementById('countdown-fill')).backgroundColor);

const boxes = (page) => page.evaluate(() => Object.fromEntries(['stage', 'media', 'plots', 'audio',
  'timeline', 'panel', 'editors'].map((id) => {
  const r = document.getElementById(id).getBoundingClientRect();
  return [id, [r.x, r.y, r.width, r.height].map(Math.round).join(',')];
})));

h.runTest('browser-timebox', {
  timeBoxSeconds: TIME_BOX_S,
  maxAttempts: 3,
  groupConf: 'extend_seconds = 10\nmax_extensions = 1\n',
}, async (stack) => {
  const browser = await h.launchChromium();
  try {
    const page = await openReviewer(stack, browser);
    const first = await waitTask(page);
    const windowId = first.taskWindowId;
    h.assertEq(first.countdownLevel, 'ok', 'countdown level at the start');
    const green = await fillColour(page);
    const hint = await page.textContent('#extend-hint');
    h.assert(hint.includes('+10 s') && hint.includes('1 left'), `extend hint "${hint}"`);
    const layout = await boxes(page);

    // Under 30 % left: amber.
    await waitState(page, 'the countdown amber', (s) => s.countdownLevel === 'amber', TIME_BOX_S * 1000);
    const amber = await fillColour(page);
    h.assert(amber !== green, `amber fill ${amber} differs from ${green}`);
    await shot(page, 'browser-timebox', 'amber');

    // x: ten more seconds, and the page says so.
    await page.keyboard.press('x');
    let s = await waitState(page, 'more time granted',
      (x) => x.countdownNote === 'more time: +10 s' && x.extensionsLeft === 0, 5000);
    h.assertEq(s.taskWindowId, windowId, 'the same window');
    h.assert(s.countdownMs > 10000 && s.countdownLevel === 'ok',
      `countdown restarted: ${s.countdownMs} ms left, ${s.countdownLevel}`);
    await shot(page, 'browser-timebox', 'extended');
    h.assert((await page.textContent('#extend-hint')).includes('0 left'), 'no extension left shown');

    // A second x: refused, with the daemon's reason.
    await page.keyboard.press('x');
    s = await waitState(page, 'the refusal', (x) => x.message.startsWith('no more time'), 5000);
    h.log(`refusal: ${s.message}`);
    h.assert(s.message.length > 'no more time: '.length, 'the refusal says why');

    // Under 10 %: red.
    await waitState(page, 'the countdown red', (x) => x.countdownLevel === 'red', 15000);
    const red = await fillColour(page);
    h.assert(red !== amber && red !== green, `red fill ${red}`);
    await shot(page, 'browser-timebox', 'red');

    // Time is up: the window goes, a notice says why, nothing moves.
    s = await waitState(page, 'the expiry notice',
      (x) => x.notice.startsWith('time is up') && x.taskWindowId !== windowId, 8000);
    h.assert(await page.isVisible('#notice'), 'the notice is on screen');
    await shot(page, 'browser-timebox', 'expired');
    h.assertEq(await boxes(page), layout, 'layout after the window went');
    await h.sleep(2500);
    h.assert((await page.evaluate(() => window.ringside.state())).notice.startsWith('time is up'),
      'the notice stays a few seconds');
    assertNoErrors(page);
  } finally {
    await browser.close();
  }
});

// The reviewer's common path in a real browser: the page served by
// ringsided signs in with the token from its URL, shows a live window with
// a running countdown, and "2, Enter" ends up in Redis as alice's label
// with class "square" for the window the page showed.
'use strict';
const os = require('os');
const path = require('path');
const h = require('../lib/harness');
const { waitState } = require('../lib/browser');

h.runTest('browser-review', { timeBoxSeconds: 30 }, async (stack) => {
  const browser = await h.launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') h.log(`page console: ${m.text()}`);
    });

    await page.goto(`${stack.httpUrl}/?token=${stack.tokens.alice}`, { timeout: 15000 });
    await waitState(page, 'signed in as alice', (s) => s.connected && s.reviewer === 'alice', 15000)
      .catch(async (e) => {
        throw new Error(`${e.message}; status line: ${await page.textContent('#status')}`);
      });
    h.assert(!page.url().includes('token='), `token left in the address bar: ${page.url()}`);
    h.assert((await page.textContent('#reviewer')).includes('alice'), 'status line names alice');

    const shown = await waitState(page, 'a task', (s) => !!s.taskWindowId, 20000);
    const windowId = shown.taskWindowId;
    h.assertEq(await page.textContent('#window-id'), windowId, 'window id on the page');

    // The video canvas shows a decoded frame (not the black it starts with).
    await page.waitForFunction(() => {
      const c = document.querySelector('#media canvas');
      if (!c) return false;
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < px.length; i += 4) if (px[i] + px[i + 1] + px[i + 2] > 30) return true;
      return false;
    }, null, { timeout: 5000, polling: 100 });

    // The countdown shows seconds and counts down.
    const secs = async () => Number(await page.textContent('#countdown-secs'));
    const c1 = await secs();
    h.assert(c1 > 0 && c1 <= 30, `countdown reads ${c1} s, expected (0, 30]`);
    await page.waitForFunction(
      (first) => Number(document.getElementById('countdown-secs').textContent) < first - 0.5,
      c1, { timeout: 5000, polling: 100 });
    const c2 = await secs();
    h.assert(c2 < c1, `countdown went from ${c1} to ${c2} s`);

    const shot = path.join(process.env.RINGSIDE_ARTIFACTS || os.tmpdir(), 'ringside-browser-review.png');
    await page.screenshot({ path: shot });
    h.log(`screenshot: ${shot}`);

    // "?" lists every key of the page and of its editors; Esc closes it.
    await page.keyboard.press('?');
    await page.waitForSelector('#help:not([hidden])', { timeout: 2000 });
    const helpText = await page.textContent('#help');
    for (const what of ['submit the label', 'play / pause', 'one video frame forward', 'faster',
      'ask for more time', 'flag', 'skip', 'accept every model suggestion']) {
      h.assert(helpText.includes(what), `the key list names "${what}"`);
    }
    const helpShot = path.join(process.env.RINGSIDE_ARTIFACTS || os.tmpdir(), 'ringside-browser-help.png');
    await page.screenshot({ path: helpShot });
    h.log(`screenshot: ${helpShot}`);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#help', { state: 'hidden', timeout: 2000 });

    await page.keyboard.press('2');
    await page.keyboard.press('Enter');
    const acked = await waitState(page, `the ack for ${windowId}`,
      (s) => !!s.lastAck && s.lastAck.windowId === windowId && s.pendingAcks === 0, 15000);
    h.assert(/^\d+-\d+$/.test(acked.lastAck.streamId), `stream id ${acked.lastAck.streamId}`);
    h.assert(acked.taskWindowId !== windowId, 'the acked task left the screen');

    const labels = await stack.waitForLabels(1, { timeoutMs: 10000 });
    const mine = labels.find((l) => l.label.windowId === windowId);
    h.assert(mine, `no label for ${windowId} in Redis (have ${labels.map((l) => l.label.windowId)})`);
    h.assertEq(mine.label.classes, ['square'], 'classes in Redis');
    h.assertEq(mine.label.reviewer, 'alice', 'reviewer in Redis');
    h.assertEq(mine.label.labelId, acked.lastAck.labelId, 'label id in Redis is the acked one');
    h.assertEq(mine.streamId, acked.lastAck.streamId, 'stream id in the ack');
    h.assertEq(pageErrors, [], 'uncaught errors in the page');
  } finally {
    await browser.close();
  }
});

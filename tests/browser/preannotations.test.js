// A model's pre-annotations on the reviewer page: a model XADDs a
// PreAnnotation (class "circle") for a coming window; when that window is
// on screen the page says "model shapes v3: 1 suggestion (a to accept
// all)" and the suggested class is outlined; "a" accepts it, the line
// says so, and Enter stores a label whose preannotations record that the
// one suggestion was shown and accepted. A second model suggesting the
// same class is a second item offered, as the daemon counts them.
'use strict';
const path = require('path');
const protobuf = require('protobufjs');
const h = require('../lib/harness');
const { openReviewer, waitTask, waitState, shot, submitAndAck, storedLabel, assertNoErrors } =
  require('../lib/browser');

const MS = 1000000n;
const PreAnnotation = protobuf.loadSync(path.join(h.SRC, 'proto/ringside.proto'))
  .lookupType('ringside.v1.PreAnnotation');

// Windows are [2k, 2k + 1) s on the UNIX timeline: the start (ns) of one
// that begins at least 1.5 s from now, not cut before the model's entry
// is read.
function nextWindowStart() {
  return BigInt(Math.ceil((Date.now() + 1500) / 2000) * 2000) * MS;
}

const classButtons = (page) => page.evaluate(() =>
  [...document.querySelectorAll('#editors button.class')].map((b) => ({
    pressed: b.getAttribute('aria-pressed'), pre: b.classList.contains('pre') })));

h.runTest('browser-preannotations', { timeBoxSeconds: 60, queueMax: 16 }, async (stack) => {
  const browser = await h.launchChromium();
  try {
    const page = await openReviewer(stack, browser);
    const start = nextWindowStart();
    const target = `g:${start}`;
    const entry = {
      group: 'g', startNs: String(start + 100n * MS), endNs: String(start + 900n * MS),
      model: 'shapes', modelVersion: '3',
      label: { classes: ['circle'], classConfidences: [0.875] },
    };
    const second = { ...entry, model: 'rings', modelVersion: '1', label: { classes: ['circle'] } };
    for (const e of [entry, second]) {
      await stack.client.xadd('ringside:preannotations', '*', 'pb',
        Buffer.from(PreAnnotation.encode(PreAnnotation.fromObject(e)).finish()));
    }

    // Windows before it get an answer of their own, and have no line.
    const until = Date.now() + 30000;
    let s;
    for (;;) {
      s = await waitTask(page, { timeoutMs: Math.max(1000, until - Date.now()) });
      if (s.taskWindowId === target) break;
      h.assertEq(s.preLine, '', `no pre-annotation line for ${s.taskWindowId}`);
      await page.keyboard.press('1');
      await submitAndAck(page, s.taskWindowId);
    }
    s = await waitState(page, 'the pre-annotation line', (x) => x.preLine.startsWith('model'), 3000);
    h.assertEq(s.preLine, 'model shapes v3, rings v1: 2 suggestions (a to accept all)', 'the line');
    h.assert(await page.isVisible('#pre-line'), 'the line is on screen');
    h.assertEq((await classButtons(page)).map((b) => b.pre), [false, false, true], 'circle outlined');
    await shot(page, 'browser-preannotations', 'offered');

    await page.keyboard.press('a');
    s = await waitState(page, 'the suggestion accepted', (x) => x.preLine.includes('2 accepted'), 3000);
    h.assertEq((await classButtons(page)).map((b) => b.pressed), ['false', 'false', 'true'],
      'circle chosen by a');
    await shot(page, 'browser-preannotations', 'accepted');
    await submitAndAck(page, target);
    const stored = await storedLabel(stack, target);
    h.assertEq(stored.label.classes, ['circle'], 'classes in Redis');
    h.assertEq(stored.label.preannotations,
      { shown: true, offered: 2, accepted: 2, changed: 0, deleted: 0 }, 'pre-annotation use in Redis');
    assertNoErrors(page);
  } finally {
    await browser.close();
  }
});

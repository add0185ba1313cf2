// Times at a window's edges. The page holds UNIX ns as doubles (exact to
// 256 ns today), so a window whose end is not a multiple of 256 ns reads
// back rounded, possibly past its real end. A model's event that runs to
// the window's end, accepted as it is, must still be a label the daemon
// takes: the page keeps its times a microsecond inside the window.
'use strict';
const path = require('path');
const protobuf = require('protobufjs');
const h = require('../lib/harness');
const { openReviewer, waitTask, submitAndAck, storedLabel, assertNoErrors } =
  require('../lib/browser');

const TEST = 'window-edges';
// 1.0001 s: the end of [2k s, 2k s + 1.0001 s) is 160 mod 256 ns, so as a
// double it rounds up, 96 ns past the window.
const WINDOW_NS = 1000100000n;
const EVERY_S = 2;
const PreAnnotation = protobuf.loadSync(path.join(h.SRC, 'proto/ringside.proto'))
  .lookupType('ringside.v1.PreAnnotation');

h.runTest(TEST, { groupConf: 'kinds = classes,events\nevent_classes = bang,hum\n',
  windowSeconds: 1.0001, everySeconds: EVERY_S, timeBoxSeconds: 60, queueMax: 16 },
async (stack) => {
  const browser = await h.launchChromium();
  try {
    const page = await openReviewer(stack, browser);
    await h.waitFor('the pre-annotation reader', async () =>
      /ringside_preannotations_connected 1/.test((await h.httpGet(`${stack.httpUrl}/metrics`)).body),
    10000);
    const every = BigInt(EVERY_S * 1000);
    const start = ((BigInt(Date.now() + 1500) / every + 1n) * every) * 1000000n;
    const end = start + WINDOW_NS;
    h.assert(Number(end) > end, 'the window end rounds up as a double');
    const pre = {
      group: 'g', startNs: String(start), endNs: String(end), model: 'detector', modelVersion: '1',
      label: { events: [{ startNs: String(start + 500000000n), endNs: String(end), class: 'hum' }] },
    };
    await stack.client.xadd('ringside:preannotations', '*', 'pb',
      Buffer.from(PreAnnotation.encode(PreAnnotation.fromObject(pre)).finish()));
    const target = `g:${start}`;
    for (let i = 0; ; i++) {
      h.assert(i < 20, `window ${target} never shown`);
      const s = await waitTask(page, { timeoutMs: 20000 });
      if (s.taskWindowId === target) break;
      await page.keyboard.press('1');
      await submitAndAck(page, s.taskWindowId);
    }
    await page.waitForFunction(() => window.ringside.editors.events.state().items.length === 1,
      null, { timeout: 5000 });
    await page.keyboard.press('a'); // accept the model's event as it is
    await page.keyboard.press('1');
    await submitAndAck(page, target);
    const { label } = await storedLabel(stack, target);
    h.assertEq(label.events.length, 1, 'one event stored');
    const e = label.events[0];
    h.assert(BigInt(e.endNs) <= end && end - BigInt(e.endNs) <= 2000n,
      `event end ${e.endNs} within 2 µs before the window end ${end}`);
    h.assert(BigInt(e.startNs) >= start + 500000000n - 1000n &&
      BigInt(e.startNs) <= start + 500000000n + 1000n, `event start ${e.startNs} as offered`);
    assertNoErrors(page);
  } finally {
    await browser.close();
  }
});

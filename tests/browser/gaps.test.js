// Missing spans in the reviewer page: the sensor feeder is frozen from the
// middle of a window until after it is cut (see
// tests/integration/gaps.test.js for why the pause outlives the window),
// and the page shows that window with imu's missing half second hatched on
// the timeline and on imu's plot, named in the legend ("no data from imu
// 0.50–1.00 s") and with imu's coverage in the side panel, while cam and
// mic read 100 %.
'use strict';
const os = require('os');
const path = require('path');
const h = require('../lib/harness');
const { waitState } = require('../lib/browser');

const LATENESS_MS = 200;
const sleepUntil = (ms) => h.sleep(Math.max(0, ms - Date.now()));

// What the page draws for source NAME's gaps: the blocks' data attributes,
// tooltips and boxes, on the timeline and in the plots.
function gapsDrawn(page, name) {
  return page.evaluate((n) => {
    const read = (sel) => [...document.querySelectorAll(sel)].map((el) => {
      const r = el.getBoundingClientRect();
      return { startS: Number(el.dataset.startS), endS: Number(el.dataset.endS),
        title: el.title, width: r.width, height: r.height };
    });
    const bar = document.getElementById('timeline').getBoundingClientRect();
    return {
      timeline: read(`#timeline .gap[data-source="${n}"]`),
      plot: read(`#plots .gap[data-source="${n}"]`),
      video: read(`#media .gap[data-source="${n}"]`),
      barWidth: bar.width,
      legend: document.getElementById('gaps-legend').hidden ? ''
        : document.getElementById('gaps-legend-text').textContent,
    };
  }, name);
}

function sourceRow(page, name) {
  return page.evaluate((n) => {
    const li = document.querySelector(`#sources li[data-source="${n}"]`);
    return li && { text: li.textContent, coverage: Number(li.dataset.coverage), title: li.title };
  }, name);
}

h.runTest('browser-gaps', { sensor: false, latenessMs: LATENESS_MS, queueMax: 16,
  timeBoxSeconds: 60 }, async (stack) => {
  stack.sensor = h.startProcess(stack.dir, 'sensor', path.join(h.BIN, 'ringside-sensor'),
    ['--to', `127.0.0.1:${stack.ports.sensor}`, '--channels', 'ax,ay,az', '--rate', '200',
      '--batch', '1', '--test-signal', 'sine', '--device', 'test-imu']);
  const browser = await h.launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${stack.httpUrl}/?token=${stack.tokens.alice}`, { timeout: 15000 });
    await waitState(page, 'signed in', (s) => s.connected, 15000);

    // Freeze the feeder from the middle of a window (windows are [2k, 2k+1) s)
    // until after that window is cut; again on the next window if this
    // test woke up too late for the first.
    let startMs;
    let stopMs;
    for (let attempt = 0; attempt < 3; attempt++) {
      startMs = Math.ceil((Date.now() + 1200) / 2000) * 2000;
      await sleepUntil(startMs + 500);
      stopMs = Date.now();
      process.kill(stack.sensor.pid, 'SIGSTOP');
      await sleepUntil(startMs + 1000 + LATENESS_MS + 500);
      process.kill(stack.sensor.pid, 'SIGCONT');
      if (stopMs - startMs <= 700) break;
    }
    h.assert(stopMs - startMs <= 700, 'the test never woke up in time to pause the feeder');
    const windowId = `g:${BigInt(startMs) * 1000000n}`;
    const stopS = (stopMs - startMs) / 1000;

    // Answer the windows before it ("1", Enter) until it is on screen.
    for (let i = 0; ; i++) {
      h.assert(i < 10, `window ${windowId} never shown`);
      const s = await waitState(page, 'a task', (st) => !!st.taskWindowId, 20000);
      if (s.taskWindowId === windowId) break;
      await page.keyboard.press('1');
      await page.keyboard.press('Enter');
      await waitState(page, `the ack for ${s.taskWindowId}`,
        (st) => st.lastAck && st.lastAck.windowId === s.taskWindowId, 15000);
    }

    const imu = await gapsDrawn(page, 'imu');
    h.assertEq(imu.timeline.length, 1, `one imu gap on the timeline: ${JSON.stringify(imu)}`);
    const g = imu.timeline[0];
    // from the last reading before the pause (a little earlier on a
    // loaded machine; or a reading or two later: the feeder runs on until
    // SIGSTOP reaches it) to the end
    h.assert(g.startS > stopS - 0.3 && g.startS <= stopS + 0.02 && g.endS === 1,
      `gap ${g.startS}-${g.endS} s, pause from ${stopS} s`);
    const text = g.title;
    const m = /^no data from imu (\d\.\d\d)–1\.00 s$/.exec(text);
    h.assert(m && Math.abs(Number(m[1]) - g.startS) <= 0.006, `tooltip on the timeline "${text}"`);
    h.assert(Math.abs(g.width - (g.endS - g.startS) * imu.barWidth) < 3 && g.height > 8,
      `block of ${g.width}x${g.height} px on a ${imu.barWidth} px bar`);
    h.assertEq(imu.plot.length, 1, 'one gap in the imu plot');
    h.assert(imu.plot[0].width > 100 && imu.plot[0].height > 40,
      `plot block ${imu.plot[0].width}x${imu.plot[0].height} px`);
    h.assertEq(imu.plot[0].title, text, 'tooltip on the plot');
    h.assert(imu.legend.includes(text), `legend "${imu.legend}"`);

    const row = await sourceRow(page, 'imu');
    const pct = Math.round(row.coverage * 100);
    h.assert(Math.abs(row.coverage - g.startS) < 0.002, `imu coverage ${row.coverage}`);
    h.assert(row.text.includes('imu (sensor)') && row.text.includes('incomplete') &&
      row.text.endsWith(`${pct} %`), `imu row "${row.text}"`);
    h.assert(row.title.includes(text), `imu row tooltip "${row.title}"`);
    for (const name of ['cam', 'mic']) {
      const r = await sourceRow(page, name);
      h.assert(r.text.endsWith('100 %') && !r.text.includes('incomplete'), `${name} row "${r.text}"`);
      const d = await gapsDrawn(page, name);
      h.assertEq(d.timeline.length + d.plot.length + d.video.length, 0, `no ${name} gaps drawn`);
    }

    // Playhead inside the gap, paused, for the picture.
    await page.keyboard.press('Space');
    const bar = await page.locator('#timeline').boundingBox();
    await page.mouse.click(bar.x + bar.width * 0.75, bar.y + bar.height / 2);
    const shot = path.join(process.env.RINGSIDE_ARTIFACTS || os.tmpdir(), 'ringside-browser-gaps.png');
    await page.screenshot({ path: shot });
    h.log(`screenshot: ${shot}`);
    h.assertEq(pageErrors, [], 'uncaught errors in the page');
  } finally {
    await browser.close();
  }
});

// Playback in the reviewer page, driven by keys and clicks as a reviewer
// would: Space plays and pauses, "," and "." step exactly one video frame
// (and the picture changes), "[" and "]" change the speed shown on screen
// and how fast the playhead runs, Home and End jump, and a click on the
// timeline, the spectrogram, a sensor plot or a video's scrub bar moves
// the playhead to the clicked time. The spectrogram is drawn.
'use strict';
const h = require('../lib/harness');
const { openReviewer, waitTask, waitState, shot, assertNoErrors } = require('../lib/browser');

const state = (page) => page.evaluate(() => window.ringside.state());

// A fingerprint of the video canvas, to see the picture change, once the
// frame at the playhead is drawn (decoding lags it a moment).
const canvasHash = async (page) => {
  await waitState(page, 'the frame at the playhead drawn', (s) => s.frameDrawn === s.frame, 3000);
  return canvasPicture(page);
};
const canvasPicture = (page) => page.evaluate(() => {
  const c = document.querySelector('#media canvas');
  const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let hash = 0;
  for (let i = 0; i < px.length; i += 16) hash = (hash * 31 + px[i]) >>> 0;
  return hash;
});

// Playhead seconds advanced per wall second over MS, measured in the page.
const playRate = (page, ms) => page.evaluate(async (wait) => {
  const p0 = window.ringside.state().position;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, wait));
  const p1 = window.ringside.state().position;
  return (p1 - p0) / ((performance.now() - t0) / 1000);
}, ms);

async function pause(page) {
  if ((await state(page)).playing) await page.keyboard.press(' ');
  await waitState(page, 'paused', (s) => !s.playing, 3000);
}

// Clicks SELECTOR at FRAC of its width; returns the playhead afterwards.
async function clickAt(page, selector, frac) {
  const box = await page.locator(selector).first().boundingBox();
  h.assert(box, `${selector} is on the page`);
  await page.mouse.click(box.x + box.width * frac, box.y + box.height / 2);
  return (await state(page)).position;
}

h.runTest('browser-playback', { timeBoxSeconds: 60, windowSeconds: 2, everySeconds: 3 }, async (stack) => {
  const browser = await h.launchChromium();
  try {
    const page = await openReviewer(stack, browser);
    const first = await waitTask(page);
    const dur = first.durationS;
    h.assert(dur > 1.9 && dur < 2.1, `window of 2 s, got ${dur}`);

    // Space toggles play / pause; the transport line says which.
    await page.keyboard.press('Home');
    const before = (await state(page)).playing;
    await page.keyboard.press(' ');
    await waitState(page, 'Space to toggle playing', (s) => s.playing === !before, 3000);
    await page.keyboard.press(' ');
    await waitState(page, 'Space to toggle back', (s) => s.playing === before, 3000);
    await pause(page);
    h.assertEq(await page.textContent('#transport-state'), '❚❚ paused', 'transport line');

    // "." and ",": exactly one frame each, paused, and the picture follows.
    await page.keyboard.press('Home');
    const f0 = (await state(page)).frame;
    await page.keyboard.press('.');
    await page.keyboard.press('.');
    let s = await state(page);
    h.assertEq(s.frame, f0 + 2, 'frame index after two "."');
    h.assert(!s.playing, '"." pauses');
    const hash2 = await canvasHash(page);
    await page.keyboard.press('.');
    s = await state(page);
    h.assertEq(s.frame, f0 + 3, 'frame index after a third "."');
    h.assert((await canvasHash(page)) !== hash2, 'the next frame is another picture');
    await page.keyboard.press(',');
    h.assertEq((await state(page)).frame, f0 + 2, 'frame index after ","');
    h.assertEq(await canvasHash(page), hash2, 'the previous picture again');

    // End and Home.
    await page.keyboard.press('End');
    s = await state(page);
    h.assert(Math.abs(s.position - dur) < 1e-6 && !s.playing, `End: at ${s.position} of ${dur}, paused`);
    await page.keyboard.press('Home');
    h.assertEq((await state(page)).position, 0, 'Home: at the start');

    // Speed: shown on screen, and the playhead runs at it.
    await page.keyboard.press('[');
    h.assertEq((await state(page)).rate, 0.5, 'rate after "["');
    h.assertEq(await page.textContent('#speed'), '0.5×', 'speed on screen');
    await page.keyboard.press(' ');
    await waitState(page, 'playing at 0.5×', (x) => x.playing, 3000);
    const slow = await playRate(page, 400);
    await pause(page);
    await page.keyboard.press('Home');
    for (const k of [']', ']', ']']) await page.keyboard.press(k);
    h.assertEq((await state(page)).rate, 2, 'rate after three "]"');
    h.assertEq(await page.textContent('#speed'), '2×', 'speed on screen');
    await page.keyboard.press(']');
    h.assertEq((await state(page)).rate, 2, '2× is the fastest');
    await page.keyboard.press(' ');
    await waitState(page, 'playing at 2×', (x) => x.playing, 3000);
    const fast = await playRate(page, 300);
    h.log(`playhead: ${slow.toFixed(2)} s/s at 0.5×, ${fast.toFixed(2)} s/s at 2×`);
    h.assert(fast > 2 * slow && slow > 0, `the playhead runs faster at 2× (${fast}) than at 0.5× (${slow})`);
    await shot(page, 'browser-playback', 'speed');
    await pause(page);
    for (const k of ['[', '[']) await page.keyboard.press(k);
    h.assertEq((await state(page)).rate, 1, 'back to 1×');

    // The spectrogram is drawn: not all black.
    const bright = await page.evaluate(() => {
      const c = document.querySelector('.audio-lane .spec');
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] + px[i + 1] + px[i + 2] > 150) n++;
      return { n, w: c.width, h: c.height };
    });
    h.assert(bright.n > bright.w, `spectrogram ${bright.w}x${bright.h} has ${bright.n} bright pixels`);

    // Click-to-seek everywhere, paused: the playhead lands where clicked.
    const near = (pos, frac, what) => h.assert(Math.abs(pos - frac * dur) < 0.03 * dur,
      `${what}: clicked at ${(frac * dur).toFixed(3)} s, playhead at ${pos.toFixed(3)} s`);
    near(await clickAt(page, '#timeline', 0.25), 0.25, 'timeline');
    near(await clickAt(page, '.audio-lane .spec', 0.75), 0.75, 'spectrogram');
    near(await clickAt(page, '.audio-lane .wave', 0.6), 0.6, 'waveform');
    near(await clickAt(page, '.video .scrub', 0.4), 0.4, 'video scrub bar');
    const over = await page.locator('#plots .u-over').first().boundingBox();
    await page.mouse.click(over.x + over.width * 0.5, over.y + over.height / 2);
    near((await state(page)).position, 0.5, 'sensor plot');
    h.assert(!(await state(page)).playing, 'clicks keep it paused');
    await shot(page, 'browser-playback', 'seeked');
    assertNoErrors(page);
  } finally {
    await browser.close();
  }
});

// A track drawn by hand in the reviewer page: paused on a frame of cam,
// `b` and a mouse drag make a box, `2` makes it a person, three frames on
// `k` adds a keyframe there, the arrows move it 3 px right and
// Shift+ArrowDown makes it 2 px taller. The label in Redis holds that one
// track with its two keyframes at the frames' own times, and the boxes the
// daemon interpolated for every frame between them.
'use strict';
const h = require('../lib/harness');
const { onFirstTask, waitState, shot, submitAndAck, storedLabel } = require('../lib/browser');

const TEST = 'kind-tracks';
const STEPS = 3;
// The drag, in cam's frame pixels (160x120).
const DRAG = { x0: 40, y0: 30, x1: 100, y1: 90 };
// The daemon snaps a keyframe time within 1 us to its frame; the page
// holds int64 times as doubles (exact to 256 ns near 2^60).
const TIME_SLACK_NS = 1000n;

const debug = (page) => page.evaluate(() => window.ringside.editors.tracks.debug());

// Waits until the tracks editor's state satisfies PRED; returns it.
async function waitTracks(page, what, pred, timeoutMs = 5000) {
  let last = null;
  try {
    return await h.waitFor(what, async () => {
      last = await debug(page);
      return pred(last) ? last : null;
    }, timeoutMs);
  } catch (e) {
    throw new Error(`${e.message}; last tracks state ${JSON.stringify(last)}`);
  }
}

// Page coordinates of frame pixel (X, Y) of the video canvas, which
// letterboxes the picture (object-fit: contain).
function framePoint(page, x, y) {
  return page.evaluate(([fx, fy]) => {
    const c = document.querySelector('#media figure.video canvas');
    const r = c.getBoundingClientRect();
    const s = Math.min(r.width / c.width, r.height / c.height);
    const left = r.left + (r.width - c.width * s) / 2;
    const top = r.top + (r.height - c.height * s) / 2;
    return { x: left + fx * s, y: top + fy * s };
  }, [x, y]);
}

// Seeks by clicking the timeline a third of a frame after frame I of cam.
async function clickFrame(page, i) {
  const d = await debug(page);
  const times = d.sources.cam.frameTimes.map((t) => (t - d.startNs) / 1e9);
  const next = i + 1 < times.length ? times[i + 1] : d.durationS;
  const pos = times[i] + (next - times[i]) / 3;
  const r = await page.evaluate(() => {
    const b = document.getElementById('timeline').getBoundingClientRect();
    return { left: b.left, top: b.top, width: b.width, height: b.height };
  });
  await page.mouse.click(r.left + (pos / d.durationS) * r.width, r.top + r.height / 2);
  return waitTracks(page, `cam at frame ${i}`, (s) => s.sources.cam.frameIndex === i);
}

// Waits until N boxes on the video match SELECTOR (they are drawn on the
// animation frame after the playhead moves).
function waitBoxes(page, selector, n, what) {
  return page.waitForFunction(([sel, count]) => document.querySelectorAll(sel).length === count,
    [`.boxes-overlay ${selector}`, n], { timeout: 5000, polling: 50 })
    .catch((e) => {
      throw new Error(`waiting for ${what} (${n} x ${selector}): ${e.message}`);
    });
}

const near = (a, b, slack) => Math.abs(a - b) <= slack;
const nearNs = (stored, page) => {
  const d = BigInt(stored) - BigInt(page);
  return (d < 0n ? -d : d) <= TIME_SLACK_NS;
};

h.runTest(TEST, { timeBoxSeconds: 90, groupConf: 'kinds = classes,tracks\nbox_classes = ball,person\n' },
  (stack) => onFirstTask(stack, async (page, windowId) => {
    let d = await waitTracks(page, 'cam frames in the tracks editor',
      (s) => s.sources.cam && s.sources.cam.frameTimes.length >= STEPS + 4);
    h.assertEq([d.sources.cam.width, d.sources.cam.height], [160, 120], 'cam frame size');
    if (d.playing) await page.keyboard.press(' ');
    await waitTracks(page, 'the player paused', (s) => !s.playing);

    // Frame 1 (frame 0 may lie before the picture starts).
    const f0 = 1;
    d = await clickFrame(page, f0);
    const times = d.sources.cam.frameTimes;

    await page.keyboard.press('b');
    d = await waitTracks(page, 'a new track after b', (s) => s.tracks.length === 1);
    h.assertEq(d.tracks[0].keys.length, 1, 'b makes one keyframe (the centred box)');
    const a = await framePoint(page, DRAG.x0, DRAG.y0);
    const b = await framePoint(page, DRAG.x1, DRAG.y1);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move(b.x, b.y, { steps: 8 });
    await page.mouse.up();
    d = await waitTracks(page, 'the dragged box', (s) => s.tracks.length === 1
      && s.tracks[0].keys.length === 1 && near(s.tracks[0].keys[0].w, DRAG.x1 - DRAG.x0, 2));
    const k0 = d.tracks[0].keys[0];
    h.assert(near(k0.x, DRAG.x0, 2) && near(k0.y, DRAG.y0, 2) && near(k0.w, DRAG.x1 - DRAG.x0, 2)
      && near(k0.h, DRAG.y1 - DRAG.y0, 2), `dragged box ${JSON.stringify(k0)} vs ${JSON.stringify(DRAG)}`);
    h.assertEq(k0.t_ns, times[f0], 'first keyframe at the frame on screen');
    h.assertEq((await waitState(page, 'tracks focused', () => true)).focusedKind, 'LABEL_KIND_TRACKS',
      'drawing focuses the tracks');

    await page.keyboard.press('2');
    d = await waitTracks(page, 'class person', (s) => s.tracks[0].cls === 'person');
    await waitBoxes(page, '.box.key.selected', 1, 'a solid selected box');
    await shot(page, TEST, 'drawn');

    // Frame stepping with '.', or the timeline where it is not bound.
    await page.keyboard.press('.');
    const stepped = await waitTracks(page, 'a frame step', (s) => s.sources.cam.frameIndex === f0 + 1, 1000)
      .then(() => true, () => false);
    if (stepped) {
      for (let i = 1; i < STEPS; i++) await page.keyboard.press('.');
      await waitTracks(page, `frame ${f0 + STEPS}`, (s) => s.sources.cam.frameIndex === f0 + STEPS);
    } else {
      h.log('"." does not step frames here: seeking with the timeline');
      await clickFrame(page, f0 + STEPS);
    }
    const f1 = f0 + STEPS;
    // Past the only keyframe the selected track's box is held (dotted).
    await waitBoxes(page, '.box.held.selected', 1, 'a dotted held box');

    await page.keyboard.press('k');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    for (let i = 0; i < 2; i++) await page.keyboard.press('Shift+ArrowDown');
    d = await waitTracks(page, 'the second keyframe moved',
      (s) => s.tracks[0].keys.length === 2 && s.tracks[0].keys[1].h === k0.h + 2);
    const k1 = d.tracks[0].keys[1];
    h.assertEq(k1.t_ns, times[f1], 'second keyframe at the frame on screen');
    h.assertEq([k1.x, k1.y, k1.w, k1.h], [k0.x + 3, k0.y, k0.w, k0.h + 2], 'second keyframe box');
    await shot(page, TEST, 'keyframe');

    // Back two frames: between the keyframes the box is interpolated.
    await clickFrame(page, f0 + 1);
    await waitBoxes(page, '.box.interp', 1, 'a dashed box between keyframes');
    await shot(page, TEST, 'between');
    const row = await page.locator('.tracks-list li[data-track="t1"]').textContent();
    h.assert(/person/.test(row) && /2 keys/.test(row) && row.includes(`frames ${f0 + 1}–${f1 + 1}`),
      `track row reads "${row}"`);

    // The window's class: Tab to the classes, 2 = square.
    await page.keyboard.press('Tab');
    await waitState(page, 'classes focused', (s) => s.focusedKind === 'LABEL_KIND_CLASSES');
    await page.keyboard.press('2');
    await submitAndAck(page, windowId);

    const { label } = await storedLabel(stack, windowId);
    h.assertEq(label.classes, ['square'], 'window class');
    h.assertEq(label.tracks.length, 1, 'one track');
    const tr = label.tracks[0];
    h.assertEq([tr.trackId, tr.class, tr.source], ['t1', 'person', 'cam'], 'track id, class, source');
    h.assertEq(tr.keyframes.length, 2, 'two keyframes');
    tr.keyframes.forEach((k, i) => {
      const want = [k0, k1][i];
      h.assert(nearNs(k.tNs, want.t_ns), `keyframe ${i} at ${k.tNs}, page frame ${want.t_ns}`);
      h.assertEq([k.x, k.y, k.w, k.h, k.keyframe], [want.x, want.y, want.w, want.h, true],
        `keyframe ${i} box`);
    });
    // One box per frame from the first keyframe to the last, interpolated.
    h.assertEq(tr.boxes.length, f1 - f0 + 1, 'boxes filled by the daemon');
    tr.boxes.forEach((bx, i) => {
      const t = times[f0 + i];
      h.assert(nearNs(bx.tNs, t), `box ${i} at ${bx.tNs}, page frame ${t}`);
      const f = (t - times[f0]) / (times[f1] - times[f0]);
      h.assert(near(bx.x, k0.x + 3 * f, 0.01) && near(bx.h, k0.h + 2 * f, 0.01)
        && near(bx.y, k0.y, 0.01) && near(bx.w, k0.w, 0.01), `box ${i} ${JSON.stringify(bx)} at f ${f}`);
      h.assertEq(bx.keyframe, i === 0 || i === f1 - f0, `box ${i} keyframe flag`);
    });
  }));

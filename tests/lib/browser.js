// What every browser test does: open the reviewer page signed in, wait for
// the page's state (window.ringside.state()), take screenshots, and find
// the label the page stored in Redis; and what the kind editors' tests
// share: an editor's state, its playhead, pre-annotations offered.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const protobuf = require('protobufjs');
const h = require('./harness');

// Screenshots go here (kept after the test, named by test and step).
const SHOTS = process.env.RINGSIDE_ARTIFACTS || path.join(os.tmpdir(), 'ringside-screenshots');

// Polls window.ringside.state() in PAGE until PRED(state) holds; returns
// that state. The error names WHAT and the last state seen.
async function waitState(page, what, pred, timeoutMs = 15000) {
  let last = null;
  try {
    return await h.waitFor(`the page to show ${what}`, async () => {
      last = await page.evaluate(() => window.ringside && window.ringside.state());
      return last && pred(last) ? last : null;
    }, timeoutMs);
  } catch (e) {
    throw new Error(`${e.message}; last page state ${JSON.stringify(last)}`);
  }
}

// A page signed in as WHO (a token name of the harness) at 1280x720 unless
// VIEWPORT says otherwise. page.errors collects uncaught page errors; a
// test ends with assertNoErrors(page).
async function openReviewer(stack, browser, who = 'alice', { viewport, query = '' } = {}) {
  const page = await browser.newPage({ viewport: viewport || { width: 1280, height: 720 } });
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') h.log(`page console: ${m.text()}`);
  });
  await page.goto(`${stack.httpUrl}/?token=${stack.tokens[who]}${query}`, { timeout: 15000 });
  await waitState(page, `signed in as ${who}`, (s) => s.connected && s.reviewer === who, 15000);
  return page;
}

// Waits for a task on screen (other than NOT, a window id); returns the
// page state.
function waitTask(page, { not = null, timeoutMs = 20000 } = {}) {
  return waitState(page, 'a task', (s) => !!s.taskWindowId && s.taskWindowId !== not, timeoutMs);
}

// Saves a screenshot of PAGE as TEST-STEP.png and logs where it is.
async function shot(page, test, step) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${test}-${step}.png`);
  await page.screenshot({ path: file });
  h.log(`screenshot: ${file}`);
  return file;
}

// Submits with Enter and waits for the ack of WINDOW_ID; returns the state.
async function submitAndAck(page, windowId) {
  await page.keyboard.press('Enter');
  return waitState(page, `the ack for ${windowId}`,
    (s) => !!s.lastAck && s.lastAck.windowId === windowId && s.pendingAcks === 0, 15000);
}

// The stored label of WINDOW_ID in Redis ({streamId, fields, label}).
async function storedLabel(stack, windowId, timeoutMs = 10000) {
  return h.waitFor(`a label for ${windowId} in Redis`, async () => {
    const entries = await stack.readStream('ringside:labels');
    const e = entries.find((x) => x.pb && x.pb.windowId === windowId);
    return e ? { streamId: e.streamId, fields: e.fields, label: e.pb } : null;
  }, timeoutMs, 100);
}

function assertNoErrors(page) {
  h.assertEq(page.errors, [], 'uncaught errors in the page');
}

// Runs BODY(page, windowId) in a browser of its own, on a page signed in
// as alice that shows its first task (WINDOW_ID); then the page must have
// had no uncaught errors. The browser is closed either way.
async function onFirstTask(stack, body) {
  const browser = await h.launchChromium();
  try {
    const page = await openReviewer(stack, browser);
    const { taskWindowId } = await waitTask(page);
    await body(page, taskWindowId);
    assertNoErrors(page);
  } finally {
    await browser.close();
  }
}

// Playhead times of the page vs times in the label: a real browser, so
// generous.
const TOL_S = 0.15;

// The state() of the page's editor KIND (a key of window.ringside.editors).
function editorState(page, kind) {
  return page.evaluate((k) => window.ringside.editors[k].state(), kind);
}

// Waits until the page has built the editor KIND.
function waitEditor(page, kind, timeoutMs = 5000) {
  return page.waitForFunction((k) => window.ringside.editors && window.ringside.editors[k],
    kind, { timeout: timeoutMs });
}

// Waits until the editor KIND plays the window.
function waitPlaying(page, kind, timeoutMs = 5000) {
  return page.waitForFunction((k) => window.ringside.editors?.[k]?.state().playing, kind,
    { timeout: timeoutMs });
}

// What has the keyboard: "TAG.class" of the focused element, or "page".
function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    return el && el !== document.body ? `${el.tagName}.${el.className}` : 'page';
  });
}

// Seconds from the window start of LABEL to its time NS (decimal string).
const labelSeconds = (label, ns) => Number(BigInt(ns) - BigInt(label.windowStartNs)) / 1e9;

// Asserts that ACTUAL seconds lie in [LO, HI], give or take TOL_S.
function assertNear(actual, lo, hi, what) {
  h.assert(actual >= lo - TOL_S && actual <= hi + TOL_S,
    `${what}: ${actual.toFixed(3)} s, expected within [${lo.toFixed(3)}, ${hi.toFixed(3)}] ± ${TOL_S}`);
}

// Asserts that ITEM of LABEL (startNs, endNs) is about its moment: the
// playhead when its key was pressed (between BEFORE and AFTER) +-0.5 s,
// inside a window of WINDOW_S seconds. WHAT names the item.
function assertMoment(label, item, [before, after], windowS, what) {
  const lo = (t) => Math.max(0, t - 0.5);
  const hi = (t) => Math.min(windowS, t + 0.5);
  assertNear(labelSeconds(label, item.startNs), lo(before), lo(after),
    `${what}'s start vs its key pressed at ${before.toFixed(3)}–${after.toFixed(3)} s`);
  assertNear(labelSeconds(label, item.endNs), hi(before), hi(after),
    `${what}'s end vs its key pressed at ${before.toFixed(3)}–${after.toFixed(3)} s`);
}

// Presses KEY and returns editor KIND's playhead just before and just
// after it.
async function pressAt(page, kind, key) {
  const before = (await editorState(page, kind)).position;
  await page.keyboard.press(key);
  const after = (await editorState(page, kind)).position;
  return [before, after];
}

// The page plays the window of WINDOW_S seconds that editor KIND shows;
// from near the start if it ended.
async function playWindow(page, kind, windowS) {
  const state = () => editorState(page, kind);
  await waitEditor(page, kind);
  if ((await state()).position > windowS - 2) {
    for (let i = 0; i < windowS; i++) await page.keyboard.press('ArrowLeft');
  }
  if (!(await state()).playing) await page.keyboard.press(' ');
  // The first key lets the browser play sound: the playhead moves to the
  // audio clock, which holds it for the output latency after a (re)start.
  // Wait until it moves on that clock.
  await page.keyboard.press('Shift');
  await page.waitForFunction((k) => window.ringside.editors[k].state().clock === 'audio', kind,
    { timeout: 3000 });
  const from = (await state()).position;
  await page.waitForFunction(([k, p]) => {
    const s = window.ringside.editors[k].state();
    return s.playing && s.position > p + 0.05;
  }, [kind, from], { timeout: 3000 });
}

// Answers every task with ANSWER(page, state) until WINDOW_ID is shown.
async function skipTo(page, windowId, answer) {
  for (let i = 0; i < 20; i++) {
    const s = await waitTask(page, { timeoutMs: 20000 });
    if (s.taskWindowId === windowId) return;
    h.assert(BigInt(s.taskWindowId.split(':')[1]) < BigInt(windowId.split(':')[1]),
      `window ${windowId} was passed (showing ${s.taskWindowId})`);
    await answer(page, s);
    await submitAndAck(page, s.taskWindowId);
  }
  throw new Error(`window ${windowId} never shown`);
}

let PreAnnotation = null;

// Waits until the daemon reads pre-annotations; returns the start (ns,
// BigInt) of a window on the EVERY_S grid still to come.
async function preAnnotationWindow(stack, everyS) {
  await h.waitFor('the pre-annotation reader', async () =>
    /ringside_preannotations_connected 1/.test((await h.httpGet(`${stack.httpUrl}/metrics`)).body),
  10000);
  const every = BigInt(everyS * 1000);
  return ((BigInt(Date.now() + 1500) / every + 1n) * every) * 1000000n;
}

// Adds PRE (a PreAnnotation as a plain object) to the daemon's
// pre-annotation stream.
async function offerPreAnnotation(stack, pre) {
  if (!PreAnnotation) {
    PreAnnotation = protobuf.loadSync(path.join(h.SRC, 'proto/ringside.proto'))
      .lookupType('ringside.v1.PreAnnotation');
  }
  await stack.client.xadd('ringside:preannotations', '*', 'pb',
    Buffer.from(PreAnnotation.encode(PreAnnotation.fromObject(pre)).finish()));
}

module.exports = { waitState, openReviewer, waitTask, shot, submitAndAck, storedLabel,
  assertNoErrors, SHOTS, onFirstTask, TOL_S, editorState, waitEditor, waitPlaying, focused,
  labelSeconds, assertNear, assertMoment, pressAt, playWindow, skipTo, preAnnotationWindow,
  offerPreAnnotation };

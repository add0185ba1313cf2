// What every browser test does: open the reviewer page signed in, wait for
// the page's state (window.ringside.state()), take screenshots, and find
// the label the page stored in Redis.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
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

module.exports = { waitState, openReviewer, waitTask, shot, submitAndAck, storedLabel,
  assertNoErrors, SHOTS };

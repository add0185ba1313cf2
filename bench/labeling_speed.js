// Benchmark: what labeling a window costs a reviewer on the page, in
// keystrokes and seconds, for a scripted reviewer in headless Chromium.
//
//   common    classes only: watch a moment, a digit, Enter;
//   events    classes + events: watch, a digit, e … e (an event marked
//             while it plays), Enter;
//   nohold    the common path with no held task (Hello.prefetch = 0), to
//             compare the wait between one task and the next.
//
// Windows are cut every second and the reviewer starts after a backlog
// of them has queued, as on a busy day, so the next task is always there.
//
// Per label it reports the keys that ran an action (window.ringside
// keysPressed, from the task on screen to its ack) and the seconds from
// the task on screen to its ack, split into the reviewer's part (on
// screen → label sent: the script's own waits plus the page's work) and
// the system's (label sent → ack), with p50 and p90; how many tasks went on
// screen from a held (prefetched) task without a network wait, and the
// time from one task's ack to the next task on screen.
//
// Usage: node bench/labeling_speed.js [--labels N] [--watch-ms MS]
//        [--backlog-s S] [--paths common,events,nohold]
// Needs a build like the tests (bench/run sets RINGSIDED, RINGSIDE_BIN);
// see docs/benchmarks.md.
'use strict';
const h = require('../tests/lib/harness');
const { openReviewer, waitState } = require('../tests/lib/browser');

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const LABELS = Number(arg('labels', 20));
const WATCH_MS = Number(arg('watch-ms', 400));
const BACKLOG_S = Number(arg('backlog-s', 15));
const PATHS = String(arg('paths', 'common,events,nohold')).split(',');
// The event is held this long between its two "e" presses.
const EVENT_MS = 250;

const PATH_CONF = {
  common: { groupConf: '', keys: 'digit, Enter', query: '' },
  events: { groupConf: 'kinds = classes,events\nevent_classes = bang,hum\n', keys: 'digit, e … e, Enter',
    query: '' },
  nohold: { groupConf: '', keys: 'digit, Enter; no held task', query: '&prefetch=0' },
};

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
}

// Answers the task on screen as the scripted reviewer of PATH.
async function answer(page, path, n) {
  await h.sleep(WATCH_MS);
  await page.keyboard.press(String(1 + (n % 3)));
  if (path === 'events') {
    await page.keyboard.press('e');
    await h.sleep(EVENT_MS);
    await page.keyboard.press('e');
  }
  await page.keyboard.press('Enter');
}

async function runPath(browser, path) {
  const conf = PATH_CONF[path];
  if (!conf) throw new Error(`unknown path ${path} (common, events, nohold)`);
  const stack = await h.startStack({ name: `labeling-${path}`, windowSeconds: 1, everySeconds: 1,
    timeBoxSeconds: 60, queueMax: 64, queueTimeoutSeconds: 120, groupConf: conf.groupConf });
  try {
    const page = await openReviewer(stack, browser, 'alice', { query: conf.query });
    await h.sleep(BACKLOG_S * 1000);
    let last = null;
    // One more than counted: the first was on screen through the backlog.
    for (let n = 0; n <= LABELS; n++) {
      const s = await waitState(page, 'a new task', (x) => !!x.taskWindowId && x.taskWindowId !== last,
        30000);
      last = s.taskWindowId;
      await answer(page, path, n);
      await waitState(page, `the ack for ${last}`,
        (x) => x.answered.some((a) => a.windowId === last), 15000).catch(async (e) => {
        const msg = (await page.evaluate(() => window.ringside.state())).message;
        throw new Error(`${e.message} (page says: ${msg})`);
      });
    }
    const done = (await page.evaluate(() => window.ringside.state())).answered.slice(-LABELS);
    const errors = page.errors || [];
    await page.close();
    return { path, keys: conf.keys, done, errors };
  } finally {
    await stack.stop();
  }
}

function report(r) {
  const keys = r.done.map((a) => a.keys);
  const total = r.done.map((a) => (a.ackMs - a.shownMs) / 1000);
  const reviewer = r.done.map((a) => (a.sentMs - a.shownMs) / 1000);
  const system = r.done.map((a) => a.ackMs - a.sentMs);
  const held = r.done.filter((a) => a.held).length;
  const gap = r.done.slice(1).map((a, i) => a.shownMs - r.done[i].ackMs);
  const f = (xs, d) => `${pct(xs, 50).toFixed(d)} / ${pct(xs, 90).toFixed(d)}`;
  console.log(`| ${r.path} (${r.keys}) | ${r.done.length} | ${f(keys, 0)} | ${f(total, 2)} | ` +
    `${f(reviewer, 2)} | ${f(system, 1)} | ${held} of ${r.done.length} | ${f(gap, 1)} |`);
  if (r.errors.length) console.log(`  page errors: ${r.errors.join('; ')}`);
}

async function main() {
  const browser = await h.launchChromium();
  const results = [];
  try {
    for (const path of PATHS) {
      h.log(`path ${path}: ${LABELS} labels, watching ${WATCH_MS} ms each`);
      results.push(await runPath(browser, path));
    }
  } finally {
    await browser.close();
  }
  console.log(`\nlabeling_speed: ${LABELS} labels per path after a ${BACKLOG_S} s backlog; the script` +
    ` watches ${WATCH_MS} ms (and holds an event ${EVENT_MS} ms)\n`);
  console.log('| path (keys) | labels | keys/label p50 / p90 | s/label p50 / p90 (on screen → ack) |' +
    ' reviewer s p50 / p90 (on screen → sent) | system ms p50 / p90 (sent → ack) | shown from a held task |' +
    ' ack → next on screen ms p50 / p90 |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of results) report(r);
}

main().catch((e) => {
  console.error(`labeling_speed: ${e.stack || e}`);
  process.exit(1);
});

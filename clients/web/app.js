// The reviewer page: connects to ringsided, shows the first task of the
// queue, sends the reviewer's answer and keeps it until the daemon acks it.
//
// Task life on this page:
//   task(held) ──► prepared ──┐   (decoded ahead while another is shown)
//   task ─────────────────────┴─► shown ──(1-9, Enter)──► sending ──(ack)──► gone
//                                   │  │                     │
//                                   │  └─(f/s, reason)───────┤  (a flagged label)
//                                   │                        └─(error invalid_label)──► shown again
//                                   └─(revoke, not_assigned, disconnect)──► gone
//
// When the shown task goes, the next one is already here (Hello.prefetch):
// it is shown at once with its countdown started locally from the full
// time box, and the daemon's Deadline for it corrects the countdown.

import { Conn, connLoadSchema } from './conn.js';
import { Outbox } from './outbox.js';
import { Player } from './player.js';
import { Countdown, Notice } from './labeling.js';
import { Keymap, HelpOverlay } from './keys.js';
import { Drafts } from './drafts.js';
import { Editors } from './editors.js';
import { EDITORS } from './kinds/index.js';
import { FlagPanel, FLAG_KINDS, FLAG_SKIP } from './flags.js';
import { renderPreLine, renderWindowInfo } from './windowinfo.js';
import { tokenAsk, tokenForget, tokenTake } from './token.js';

const SCHEMA_URL = 'proto/ringside.proto';
const SCHEMA_RETRY_MS = 5000;
// After "publish_failed" the daemon's storage is down: the same label is
// resent after this delay (doubling, capped) until its deadline passes.
const PUBLISH_RETRY_FIRST_MS = 1000;
const PUBLISH_RETRY_MAX_MS = 5000;
// Errors whose message is only a word get a sentence for the reviewer.
const ERROR_TEXT = {
  shutdown: 'the server is shutting down',
  closing: 'the server closed the connection',
};
// Why a window left the screen, by Revoke reason.
const REVOKE_TEXT = {
  deadline: 'time is up: the window went back to the queue',
  shutdown: 'the server is shutting down: the window was taken back',
};

const $ = (id) => document.getElementById(id);

const state = {
  conn: 'connecting', // connecting | open | signed-in | reconnecting | refused | signed-out
  retryInMs: 0,
  reviewer: '',
  // Tasks in arrival order; the first is the one shown, the others are
  // held (prefetched). Each: { task, receivedMs (performance.now), held,
  //   clock: {totalMs, fromMs} once its countdown runs, deadlineMs (epoch,
  //   client clock), labelId (while its label is sending), prep (decoded
  //   ahead), extensionsLeft, extendPending, waitStart (a label id to send
  //   again once the clock starts) }
  tasks: [],
  shownWindowId: null,
  lastError: '',
  lastAck: null,
  taskMessages: 0,
  // The last ANSWERED_KEPT acked tasks, for the labeling-speed benchmark:
  // {windowId, shownMs, sentMs, ackMs (performance.now), keys, held}.
  answered: [],
};
const ANSWERED_KEPT = 200;

const outbox = new Outbox();
const retries = new Map(); // label_id -> {timer, delayMs}
const player = new Player((text) => {
  $('play-hint').hidden = !text;
  $('play-hint').textContent = text;
});
const countdown = new Countdown();
const notice = new Notice();
const keymap = new Keymap();
const help = new HelpOverlay(keymap);
const drafts = new Drafts();
const flagPanel = new FlagPanel($('panel'), {
  send: (kind, reason) => sendFlag(kind, reason),
  key: () => {
    keymap.pressed += 1;
  },
});
// The editor of each label kind; a template names the ones its task uses.
const EDITOR_CLASSES = Object.fromEntries(EDITORS.map((c) => [c.kind, c]));
const editors = new Editors(EDITOR_CLASSES, $('editors'), {
  player,
  keys: keymap,
  message: (text, kind) => taskMessage(text, kind),
  changed: () => {
    taskMessage('');
    saveDraft();
    renderPre();
  },
});
let conn = null;

// ------------------------------------------------------------ rendering

function pendingCount() {
  return state.reviewer ? outbox.forReviewer(state.reviewer).length : outbox.size;
}

function renderStatus() {
  const el = $('conn');
  el.dataset.state = state.conn;
  el.textContent = {
    connecting: 'connecting…',
    open: 'signing in…',
    'signed-in': 'connected',
    reconnecting: `reconnecting… (retry in ${(state.retryInMs / 1000).toFixed(1)} s)`,
    refused: 'token refused',
    'signed-out': 'signed out',
  }[state.conn];
  $('reviewer').textContent = state.reviewer ? `signed in as ${state.reviewer}` : '';
  const pending = pendingCount();
  const dropped = outbox.dropped ? ` (${outbox.dropped} dropped: outbox full)` : '';
  $('pending').textContent = `pending acks: ${pending}${dropped}`;
  $('pending').classList.toggle('warn', pending > 0 || outbox.dropped > 0);
  $('last-error').textContent = state.lastError;
  $('last-error').title = state.lastError;
  const ready = Math.max(0, state.tasks.length - 1);
  $('queue').textContent = `next: ${ready} ready`;
  $('queue').classList.toggle('has-next', ready > 0);
  renderExtendHint();
}

// "x +10 s more time (1 left)" under the buttons, or why x does nothing.
function renderExtendHint() {
  const entry = state.tasks[0];
  const t = entry && entry.task.template;
  const el = $('extend-hint');
  if (!t) {
    el.textContent = '';
    return;
  }
  if (!(t.extend_ms > 0)) {
    el.textContent = 'no extra time in this group';
    el.dataset.kind = 'off';
    return;
  }
  el.replaceChildren();
  const kbd = document.createElement('kbd');
  kbd.textContent = 'x';
  el.append(kbd, ` +${Math.round(t.extend_ms / 1000)} s more time (${entry.extensionsLeft} left)`);
  el.dataset.kind = entry.extensionsLeft > 0 ? 'on' : 'off';
}

function renderTransport() {
  $('transport-state').textContent = player.playing ? '▶ playing' : '❚❚ paused';
  $('transport-state').dataset.playing = player.playing ? 'yes' : 'no';
  $('speed').textContent = `${player.rate}×`;
  $('speed').dataset.rate = String(player.rate);
}

function renderPre() {
  const entry = state.tasks[0];
  renderPreLine(entry && entry.task, editors.preStats());
}

function taskMessage(text, kind = '') {
  $('task-msg').textContent = text;
  $('task-msg').dataset.kind = kind;
}

// The shown task's work in progress, kept so a reconnect keeps it.
function saveDraft() {
  const entry = state.tasks[0];
  if (entry && state.reviewer) drafts.put(state.reviewer, entry.task.window.id, editors.save());
}

function showError(text) {
  state.lastError = text;
  renderStatus();
}

// ------------------------------------------------------------ task life

// Starts the countdown of the shown ENTRY: from its clock, or, for a held
// task whose Deadline has not come yet, from now and the full time box
// (the daemon starts its clock as the previous task ends, as we do).
function startCountdown(entry) {
  if (!entry.clock) {
    entry.clock = { totalMs: entry.task.time_box_ms, fromMs: performance.now() };
    entry.deadlineMs = Date.now() + entry.task.time_box_ms;
  }
  countdown.start(entry.clock.totalMs, entry.clock.fromMs);
}

// Decodes the queued tasks' media while the browser is idle, so showing
// one later costs nothing.
function prepareQueued() {
  for (const entry of state.tasks.slice(1)) {
    if (entry.prep || entry.prepPending) continue;
    entry.prepPending = true;
    const run = () => {
      entry.prepPending = false;
      if (state.tasks.indexOf(entry) > 0 && !entry.prep) entry.prep = player.prepare(entry.task.window);
    };
    if (window.requestIdleCallback) requestIdleCallback(run, { timeout: 300 });
    else setTimeout(run, 50);
  }
}

// Puts the first queued task on screen if it is not there already, or
// clears the screen when the queue is empty. Autoplays a newly shown task.
function showCurrent() {
  const entry = state.tasks[0] || null;
  const windowId = entry ? entry.task.window.id : null;
  if (windowId !== state.shownWindowId) {
    state.shownWindowId = windowId;
    $('placeholder').hidden = !!entry;
    renderWindowInfo(entry && entry.task);
    taskMessage('');
    flagPanel.close();
    if (entry) {
      entry.shownMs = performance.now();
      entry.shownAtMessages = state.taskMessages;
      entry.shownHeld = entry.held;
      entry.keysAtShow = keymap.pressed;
      player.load(entry.task.window, entry.prep);
      entry.prep = null;
      editors.build(entry.task.template);
      editors.load(entry.task, drafts.get(state.reviewer, windowId));
      startCountdown(entry);
      player.play();
    } else {
      player.unload();
      editors.unload();
      countdown.stop();
    }
    renderPre();
  }
  const answerable = !!entry && !entry.labelId;
  for (const id of ['submit', 'flag', 'skip']) $(id).disabled = !answerable;
  if (entry) {
    editors.lock(!answerable);
    if (entry.labelId) taskMessage('sending…', 'sending');
  }
  prepareQueued();
  renderStatus();
}

function removeTask(windowId) {
  const i = state.tasks.findIndex((e) => e.task.window.id === windowId);
  if (i < 0) return false;
  const [entry] = state.tasks.splice(i, 1);
  player.discard(entry.prep);
  if (i === 0) state.shownWindowId = null;
  showCurrent();
  return true;
}

// ------------------------------------------------------------ labels

function newLabelId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // Pages served over plain http from a non-local host are not a secure
  // context and lack randomUUID; getRandomValues works everywhere.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function sendLabel(entry) {
  conn.send({ submit: { label: entry.label } });
}

// A label for the shown task with what the editors hold, and how the
// model's pre-annotations were used.
function newLabel(entry) {
  const label = { label_id: newLabelId(), window_id: entry.task.window.id };
  editors.fill(label);
  const pre = editors.preStats();
  if (pre.offered) label.preannotations = { shown: true, ...pre };
  return label;
}

// Stored before sending: if the page dies right after, a reload resends.
function queueLabel(entry, label) {
  outbox.add({ label, reviewer: state.reviewer, deadlineMs: entry.deadlineMs });
  entry.labelId = label.label_id;
  entry.sentMs = performance.now();
  sendLabel({ label });
  showCurrent();
}

function submit() {
  const entry = state.tasks[0];
  if (!entry || entry.labelId) return;
  const why = editors.check();
  if (why) {
    taskMessage(why, 'warn');
    return;
  }
  queueLabel(entry, newLabel(entry));
}

function openFlag(kind) {
  const entry = state.tasks[0];
  if (!entry || entry.labelId) return;
  help.close();
  flagPanel.show(kind, entry.task.template.text_max_chars);
}

// A flagged label: whatever the editors hold goes along, unchecked (a
// reviewer who cannot answer need not finish the label first).
function sendFlag(kind, reason) {
  const entry = state.tasks[0];
  if (!entry || entry.labelId) return;
  const label = newLabel(entry);
  label.flag = { kind, reason };
  queueLabel(entry, label);
  const name = FLAG_KINDS.find((k) => k.kind === kind).name;
  taskMessage(`sending: ${name} (${reason})…`, 'sending');
}

// x: more time on the shown task, when the group gives any.
function extend() {
  const entry = state.tasks[0];
  if (!entry || entry.labelId) return;
  const t = entry.task.template;
  if (!(t.extend_ms > 0)) {
    countdown.note('no extra time in this group', 'warn');
    return;
  }
  entry.extendPending = true;
  conn.send({ extend: { window_id: entry.task.window.id } });
}

function forgetLabel(labelId) {
  const r = retries.get(labelId);
  if (r) clearTimeout(r.timer);
  retries.delete(labelId);
  outbox.remove(labelId);
}

// Storage is down on the daemon's side: resend the same label later, until
// the task's deadline; after that the daemon would refuse it anyway.
function retryLater(labelId) {
  const entry = outbox.get(labelId);
  if (!entry) return;
  const prev = retries.get(labelId);
  const delayMs = prev ? Math.min(prev.delayMs * 2, PUBLISH_RETRY_MAX_MS) : PUBLISH_RETRY_FIRST_MS;
  if (Date.now() + delayMs > entry.deadlineMs) {
    forgetLabel(labelId);
    unlockTask(entry.label.window_id, 'storage stayed down until the deadline: label not stored');
    return;
  }
  const timer = setTimeout(() => sendLabel(entry), delayMs);
  retries.set(labelId, { timer, delayMs });
}

// The label for WINDOW_ID was refused: let the reviewer answer again.
function unlockTask(windowId, message) {
  const entry = state.tasks.find((e) => e.task.window.id === windowId);
  if (entry) entry.labelId = null;
  showCurrent();
  if (entry && entry === state.tasks[0]) taskMessage(message, 'error');
}

// ------------------------------------------------------------ protocol

const handlers = {
  welcome(w) {
    state.conn = 'signed-in';
    state.reviewer = w.reviewer;
    // Whatever went wrong before this session is history now.
    state.lastError = '';
    conn.resetBackoff();
    // Labels given before a drop (or a reload) go out again with their
    // label_id; the daemon acks ones it already stored.
    for (const entry of outbox.forReviewer(w.reviewer)) sendLabel(entry);
    renderStatus();
  },

  task(t) {
    state.taskMessages += 1;
    const t0 = t.template || {};
    const entry = {
      task: t,
      receivedMs: performance.now(),
      held: !!t.held,
      clock: t.held ? null : { totalMs: t.time_box_ms, fromMs: performance.now() },
      deadlineMs: Date.now() + t.time_box_ms,
      labelId: null,
      prep: null,
      extensionsLeft: t0.extend_ms > 0 ? t0.max_extensions || 0 : 0,
      extendPending: false,
    };
    const i = state.tasks.findIndex((e) => e.task.window.id === t.window.id);
    if (i >= 0) {
      // A reoffer of a window already here: the new time box counts.
      player.discard(state.tasks[i].prep);
      state.tasks[i] = entry;
      if (i === 0) state.shownWindowId = null;
    } else {
      state.tasks.push(entry);
    }
    showCurrent();
  },

  // A held task's clock started, or Extend was granted.
  deadline(d) {
    const entry = state.tasks.find((e) => e.task.window.id === d.window_id);
    if (!entry) return;
    const granted = entry.extendPending;
    entry.held = false;
    entry.extendPending = false;
    entry.clock = { totalMs: d.time_box_ms, fromMs: performance.now() };
    entry.deadlineMs = Date.now() + d.time_box_ms;
    entry.extensionsLeft = d.extensions_left;
    if (entry === state.tasks[0]) {
      startCountdown(entry);
      if (granted) {
        const s = Math.round(entry.task.template.extend_ms / 1000);
        countdown.note(`more time: +${s} s`, 'ok');
      }
    }
    if (entry.waitStart && outbox.get(entry.waitStart)) sendLabel(outbox.get(entry.waitStart));
    entry.waitStart = null;
    renderStatus();
  },

  ack(a) {
    // The storage outage that delayed this label is over.
    if (retries.has(a.label_id)) state.lastError = '';
    forgetLabel(a.label_id);
    drafts.remove(state.reviewer, a.window_id);
    state.lastAck = { labelId: a.label_id, windowId: a.window_id, streamId: a.stream_id };
    const entry = state.tasks.find((e) => e.task.window.id === a.window_id);
    if (entry && entry.shownMs !== undefined) {
      state.answered.push({ windowId: a.window_id, shownMs: entry.shownMs, sentMs: entry.sentMs,
        ackMs: performance.now(), keys: keymap.pressed - entry.keysAtShow, held: entry.shownHeld });
      if (state.answered.length > ANSWERED_KEPT) state.answered.shift();
    }
    if (!removeTask(a.window_id)) renderStatus();
  },

  revoke(r) {
    const shown = state.tasks[0] && state.tasks[0].task.window.id === r.window_id;
    if (shown) notice.show(REVOKE_TEXT[r.reason] || `the window was taken back (${r.reason})`);
    // The draft stays (bounded): the window may come back to this reviewer.
    removeTask(r.window_id);
  },

  error(e) {
    const text = !e.message || e.message === e.code ? ERROR_TEXT[e.code] || e.code : e.message;
    if (e.code === 'unauthorized') {
      refused('token refused');
      return;
    }
    if (e.code === 'publish_failed' && e.label_id) {
      showError(`${text} (retrying)`);
      retryLater(e.label_id);
      return;
    }
    if (e.code === 'extend_refused') {
      const entry = state.tasks.find((x) => x.task.window.id === e.window_id);
      if (entry) entry.extendPending = false;
      countdown.note('no more time', 'warn');
      if (entry && entry === state.tasks[0]) taskMessage(`no more time: ${text}`, 'warn');
      return;
    }
    if (e.code === 'not_started' && e.label_id && outbox.get(e.label_id)) {
      // The label beat the Deadline of a held task: it goes again then.
      const entry = state.tasks.find((x) => x.task.window.id === outbox.get(e.label_id).label.window_id);
      if (entry) {
        entry.waitStart = e.label_id;
        return;
      }
    }
    if (e.code === 'not_assigned') {
      if (state.tasks[0] && state.tasks[0].task.window.id === e.window_id) {
        notice.show(`the window was taken back: ${text}`);
      }
      for (const entry of outbox.forWindow(e.window_id)) forgetLabel(entry.label.label_id);
      if (e.label_id) forgetLabel(e.label_id);
      removeTask(e.window_id);
      return;
    }
    showError(text);
    // Any other error about a label means it was not stored: the reviewer
    // may answer again (with a new label_id).
    if (e.label_id && outbox.get(e.label_id)) {
      const entry = outbox.get(e.label_id);
      forgetLabel(e.label_id);
      unlockTask(entry.label.window_id, text);
    }
  },
};

function refused(message) {
  conn.stop();
  tokenForget();
  state.conn = 'refused';
  state.reviewer = '';
  dropTasks();
  showError(message);
  tokenAsk(message, (token) => {
    state.lastError = '';
    conn.start(token);
  });
}

// The daemon reoffers a disconnected reviewer's windows, so tasks do not
// survive a drop; unacked labels do (they are in the outbox), and so does
// the work on them (the draft is reapplied when the window comes back).
function dropTasks() {
  for (const entry of state.tasks) player.discard(entry.prep);
  state.tasks = [];
  for (const r of retries.values()) clearTimeout(r.timer);
  retries.clear();
  showCurrent();
}

function onConnState(s) {
  if (s.state === 'refused') {
    if (state.conn !== 'refused') refused(s.reason || 'token refused');
    return;
  }
  state.conn = s.state;
  state.retryInMs = s.retryInMs || 0;
  if (s.state === 'reconnecting') dropTasks();
  renderStatus();
}

// ------------------------------------------------------------ keys

// Shortcuts every template has; editors add their own (editors.js).
function bindKeys() {
  const answerable = () => !!state.tasks[0] && !state.tasks[0].labelId;
  const k = (section, keys, label, run, when) => keymap.add({ section, keys, label, run, when });
  k('help', ['?'], 'show or hide every key', () => help.toggle());
  k('help', ['Escape'], 'close this list / leave a text field', () => {
    if (help.open) help.close();
    else if (document.activeElement) document.activeElement.blur();
  });
  k('label', ['Enter', 'Ctrl+Enter'], 'submit the label', () => submit(), answerable);
  k('label', ['1', '2', '3', '4', '5', '6', '7', '8', '9'], 'choose class / value 1–9 of the focused part',
    (ev) => editors.digit(Number(ev.key) - 1));
  k('label', ['Tab'], 'focus the next part of the label', () => editors.cycle(1));
  k('label', ['Shift+Tab'], 'focus the previous part', () => editors.cycle(-1));
  k('label', ['a'], 'accept every model suggestion', () => editors.acceptPre(), answerable);
  k('flag', ['f'], 'flag: 1 ambiguous, 2 bad quality, 3 skip; then a reason, Enter', () => openFlag(0),
    answerable);
  k('flag', ['s', 'S'], 'skip: pass the window on, with a reason', () => openFlag(FLAG_SKIP), answerable);
  k('time', ['x'], 'ask for more time (when the group allows)', () => extend(), answerable);
  k('playback', [' '], 'play / pause', () => player.toggle());
  k('playback', [','], 'one video frame back (pauses)', () => player.stepFrame(-1));
  k('playback', ['.'], 'one video frame forward (pauses)', () => player.stepFrame(1));
  k('playback', ['['], 'slower (0.25× 0.5× 1× 1.5× 2×)', () => player.stepRate(-1));
  k('playback', [']'], 'faster', () => player.stepRate(1));
  k('playback', ['ArrowLeft'], 'back 1 s', () => player.seek(player.position() - 1));
  k('playback', ['ArrowRight'], 'forward 1 s', () => player.seek(player.position() + 1));
  k('playback', ['Home'], 'to the start', () => player.seek(0));
  k('playback', ['End'], 'to the end (pauses)', () => {
    player.pause();
    player.seek(player.durationS);
  });
}

function onKey(ev) {
  if ($('signin').open) return;
  keymap.handle(ev);
}

// ------------------------------------------------------------ start

// For tests and debugging: a snapshot of what the page shows.
window.ringside = {
  state() {
    const first = state.tasks[0];
    const left = countdown.leftMs();
    return {
      connected: state.conn === 'signed-in',
      reviewer: state.reviewer,
      taskWindowId: first ? first.task.window.id : null,
      queued: Math.max(0, state.tasks.length - 1),
      nextWindowId: state.tasks[1] ? state.tasks[1].task.window.id : null,
      nextPrepared: !!(state.tasks[1] && state.tasks[1].prep),
      taskMessages: state.taskMessages,
      taskHeld: !!(first && first.held),
      // Task messages received when the shown task went on screen.
      shownAtMessages: first ? first.shownAtMessages : null,
      // performance.now() times of the shown task: on screen, label sent;
      // shownHeld: it was a held task, on screen without a network wait.
      shownMs: first ? first.shownMs : null,
      shownHeld: !!(first && first.shownHeld),
      answered: state.answered,
      pendingAcks: pendingCount(),
      lastError: state.lastError,
      lastAck: state.lastAck,
      keysPressed: keymap.pressed,
      focusedKind: editors.focusedKind(),
      message: $('task-msg').textContent,
      notice: notice.text,
      countdownLevel: countdown.level,
      countdownMs: left,
      countdownNote: $('countdown-note').hidden ? '' : $('countdown-note').textContent,
      extensionsLeft: first ? first.extensionsLeft : null,
      flagOpen: flagPanel.open,
      flagStage: flagPanel.open ? flagPanel.el.dataset.stage : null,
      preLine: $('pre-line').textContent,
      position: player.position(),
      durationS: player.durationS,
      playing: player.playing,
      rate: player.rate,
      frame: player.frameIndex(),
      frameDrawn: player.frameDrawn(),
      helpOpen: help.open,
    };
  },
  // Drops the websocket as a network failure would (tests of reconnect).
  dropConnection() {
    if (conn && conn.ws) conn.ws.close(4000, 'dropped by the page');
  },
};

async function main() {
  bindKeys();
  document.addEventListener('keydown', onKey);
  player.onState(renderTransport);
  renderTransport();
  const buttons = [['submit', submit], ['flag', () => openFlag(0)], ['skip', () => openFlag(FLAG_SKIP)]];
  for (const [id, action] of buttons) {
    // Focus stays on the page so Space and Enter keep their meaning.
    $(id).addEventListener('mousedown', (ev) => ev.preventDefault());
    $(id).addEventListener('click', action);
  }
  $('help-button').addEventListener('mousedown', (ev) => ev.preventDefault());
  $('help-button').addEventListener('click', () => help.toggle());
  showCurrent();
  renderStatus();
  let schema;
  while (!schema) {
    try {
      schema = await connLoadSchema(SCHEMA_URL);
    } catch (err) {
      showError(`cannot load the schema (${SCHEMA_URL}): ${err.message || err}; retrying`);
      await new Promise((r) => setTimeout(r, SCHEMA_RETRY_MS));
    }
  }
  state.lastError = '';
  // ?prefetch=0 asks for no held task (to compare; the default is conn.js's).
  const prefetch = new URL(location.href).searchParams.get('prefetch');
  conn = new Conn(schema, {
    prefetch: prefetch === null ? undefined : Number(prefetch),
    onState: onConnState,
    onMessage: (kind, body) => handlers[kind] && handlers[kind](body),
    onBadMessage: showError,
  });
  const token = tokenTake();
  if (token) {
    conn.start(token);
  } else {
    state.conn = 'signed-out';
    renderStatus();
    tokenAsk('', (t) => conn.start(t));
  }
}

main();

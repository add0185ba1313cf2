// The reviewer page: connects to ringsided, shows the first task of the
// queue, sends the reviewer's answer and keeps it until the daemon acks it.
//
// Task life on this page:
//   task ──► queued ──► shown ──(1-9, Enter)──► sending ──(ack)──► gone
//                         │                        │
//                         ├─(s)──► declined        ├─(error invalid_label)──► shown again
//                         └─(revoke, not_assigned, disconnect)──► gone

import { Conn, connLoadSchema } from './conn.js';
import { Outbox } from './outbox.js';
import { Player } from './player.js';
import { Countdown } from './labeling.js';
import { Keymap, HelpOverlay } from './keys.js';
import { Drafts } from './drafts.js';
import { Editors } from './editors.js';
import { EDITORS } from './kinds/index.js';
import { tokenAsk, tokenForget, tokenTake } from './token.js';
import { coverageText, gapSpans, gapText } from './gaps.js';

const SCHEMA_URL = 'proto/ringside.proto';
const SCHEMA_RETRY_MS = 5000;
// After "publish_failed" the daemon's storage is down: the same label is
// resent after this delay (doubling, capped) until its deadline passes.
const PUBLISH_RETRY_FIRST_MS = 1000;
const PUBLISH_RETRY_MAX_MS = 5000;
const KIND_NAMES = { 1: 'video', 2: 'audio', 3: 'sensor' };
// Missing spans listed in a source's tooltip in the side panel, at most.
const TOOLTIP_GAPS = 8;
// Errors whose message is only a word get a sentence for the reviewer.
const ERROR_TEXT = {
  shutdown: 'the server is shutting down',
  closing: 'the server closed the connection',
};

const $ = (id) => document.getElementById(id);

const state = {
  conn: 'connecting', // connecting | open | signed-in | reconnecting | refused | signed-out
  retryInMs: 0,
  reviewer: '',
  // Tasks in arrival order; the first is the one shown. Each:
  //   { task, receivedMs (performance.now), deadlineMs (epoch, client
  //     clock), labelId (set while its label is sending) }
  tasks: [],
  shownWindowId: null,
  lastError: '',
  lastAck: null,
};

const outbox = new Outbox();
const retries = new Map(); // label_id -> {timer, delayMs}
const player = new Player((text) => {
  $('play-hint').hidden = !text;
  $('play-hint').textContent = text;
});
const countdown = new Countdown();
const keymap = new Keymap();
const help = new HelpOverlay(keymap);
const drafts = new Drafts();
// The editor of each label kind; a template names the ones its task uses.
const EDITOR_CLASSES = Object.fromEntries(EDITORS.map((c) => [c.kind, c]));
const editors = new Editors(EDITOR_CLASSES, $('editors'), {
  player,
  keys: keymap,
  message: (text, kind) => taskMessage(text, kind),
  changed: () => {
    taskMessage('');
    saveDraft();
  },
});
let conn = null;

// ------------------------------------------------------------ rendering

function pad(n, width = 2) {
  return String(n).padStart(width, '0');
}

// HH:MM:SS.mmm in the browser's local time zone.
function clockText(ns) {
  const d = new Date(Math.floor(ns / 1e6));
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function pendingCount() {
  return state.reviewer ? outbox.forReviewer(state.reviewer).length : outbox.size;
}

function renderStatus() {
  const conn = $('conn');
  conn.dataset.state = state.conn;
  conn.textContent = {
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
  $('queue').textContent = `next: ${Math.max(0, state.tasks.length - 1)} queued`;
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

function renderWindowInfo(task) {
  const win = task ? task.window : null;
  $('window-id').textContent = win ? win.id : '–';
  $('window-group').textContent = win ? win.group : '–';
  $('window-range').textContent = win ? `${clockText(win.start_ns)} – ${clockText(win.end_ns)}` : '–';
  $('window-length').textContent = win
    ? `${((win.end_ns - win.start_ns) / 1e9).toFixed(3)} s · attempt ${task.attempt}`
    : '–';
  const list = $('sources');
  list.replaceChildren();
  for (const src of win ? win.sources : []) {
    // "mic (audio) · incomplete          62 %", the tooltip listing what is missing
    const li = document.createElement('li');
    const name = document.createElement('span');
    const cov = document.createElement('span');
    const spans = gapSpans(src, win.start_ns, (win.end_ns - win.start_ns) / 1e9);
    li.dataset.source = src.source;
    li.dataset.coverage = String(src.coverage || 0);
    name.className = 'source-name';
    name.textContent = `${src.source} (${KIND_NAMES[src.kind] || 'unknown'})`;
    cov.className = 'coverage';
    cov.textContent = coverageText(src);
    const notes = [`${src.source}: data for ${coverageText(src)} of the window`];
    if (!src.complete) {
      li.classList.add('incomplete');
      notes.push('this source stalled: the window was cut before its data reached the end');
      name.textContent += ' · incomplete';
    }
    if (spans.length) {
      li.classList.add('gaps');
      for (const span of spans.slice(0, TOOLTIP_GAPS)) notes.push(gapText(src.source, span));
      if (spans.length > TOOLTIP_GAPS) notes.push(`… and ${spans.length - TOOLTIP_GAPS} more gaps`);
    }
    li.title = notes.join('\n');
    li.append(name, cov);
    list.append(li);
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
    if (entry) {
      player.load(entry.task.window);
      editors.build(entry.task.template);
      editors.load(entry.task, drafts.get(state.reviewer, windowId));
      countdown.start(entry.task.time_box_ms, entry.receivedMs);
      player.play();
    } else {
      player.unload();
      editors.unload();
      countdown.stop();
    }
  }
  const answerable = !!entry && !entry.labelId;
  $('submit').disabled = !answerable;
  $('skip').disabled = !answerable;
  if (entry) {
    editors.lock(!answerable);
    if (entry.labelId) taskMessage('sending…', 'sending');
  }
  renderStatus();
}

function removeTask(windowId) {
  const i = state.tasks.findIndex((e) => e.task.window.id === windowId);
  if (i < 0) return false;
  state.tasks.splice(i, 1);
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

function submit() {
  const entry = state.tasks[0];
  if (!entry || entry.labelId) return;
  const why = editors.check();
  if (why) {
    taskMessage(why, 'warn');
    return;
  }
  const label = { label_id: newLabelId(), window_id: entry.task.window.id };
  editors.fill(label);
  const pre = editors.preStats();
  if (pre.offered) label.preannotations = { shown: true, ...pre };
  // Stored before sending: if the page dies right after, a reload resends.
  outbox.add({ label, reviewer: state.reviewer, deadlineMs: entry.deadlineMs });
  entry.labelId = label.label_id;
  sendLabel({ label });
  showCurrent();
}

function decline() {
  const entry = state.tasks[0];
  if (!entry || entry.labelId) return;
  conn.send({ decline: { window_id: entry.task.window.id } });
  removeTask(entry.task.window.id);
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
    const entry = {
      task: t,
      receivedMs: performance.now(),
      deadlineMs: Date.now() + t.time_box_ms,
      labelId: null,
    };
    const i = state.tasks.findIndex((e) => e.task.window.id === t.window.id);
    if (i >= 0) {
      // A reoffer of a window already here: the new time box counts.
      state.tasks[i] = entry;
      if (i === 0) state.shownWindowId = null;
    } else {
      state.tasks.push(entry);
    }
    showCurrent();
  },

  ack(a) {
    // The storage outage that delayed this label is over.
    if (retries.has(a.label_id)) state.lastError = '';
    forgetLabel(a.label_id);
    drafts.remove(state.reviewer, a.window_id);
    state.lastAck = { labelId: a.label_id, windowId: a.window_id, streamId: a.stream_id };
    if (!removeTask(a.window_id)) renderStatus();
  },

  revoke(r) {
    showError(r.reason === 'deadline' ? 'time is up: window reoffered' : `window taken back: ${r.reason}`);
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
    showError(text);
    if (e.code === 'not_assigned') {
      for (const entry of outbox.forWindow(e.window_id)) forgetLabel(entry.label.label_id);
      if (e.label_id) forgetLabel(e.label_id);
      removeTask(e.window_id);
      return;
    }
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
// survive a drop; unacked labels do (they are in the outbox).
function dropTasks() {
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
  k('help', ['?'], 'show or hide these keys', () => help.toggle());
  k('help', ['Escape'], 'close this list / leave a text field', () => {
    if (help.open) help.close();
    else if (document.activeElement) document.activeElement.blur();
  });
  k('label', ['Enter', 'Ctrl+Enter'], 'submit the label', () => submit(), answerable);
  k('label', ['1', '2', '3', '4', '5', '6', '7', '8', '9'], 'choose class / value 1–9 of the focused part',
    (ev) => editors.digit(Number(ev.key) - 1));
  k('label', ['Tab'], 'focus the next part of the label', () => editors.cycle(1));
  k('label', ['Shift+Tab'], 'focus the previous part', () => editors.cycle(-1));
  k('label', ['a'], 'accept every model pre-annotation', () => editors.acceptPre(), answerable);
  k('label', ['s', 'S'], 'skip: give the window back', () => decline(), answerable);
  k('playback', [' '], 'play / pause', () => player.toggle());
  k('playback', ['ArrowLeft'], 'back 1 s', () => player.seek(player.position() - 1));
  k('playback', ['ArrowRight'], 'forward 1 s', () => player.seek(player.position() + 1));
}

function onKey(ev) {
  if ($('signin').open) return;
  keymap.handle(ev);
}

// ------------------------------------------------------------ start

// For tests and debugging: a snapshot of what the page shows.
window.ringside = {
  state() {
    return {
      connected: state.conn === 'signed-in',
      reviewer: state.reviewer,
      taskWindowId: state.tasks.length ? state.tasks[0].task.window.id : null,
      queued: Math.max(0, state.tasks.length - 1),
      pendingAcks: pendingCount(),
      lastError: state.lastError,
      lastAck: state.lastAck,
      keysPressed: keymap.pressed,
      focusedKind: editors.focusedKind(),
      message: $('task-msg').textContent,
    };
  },
};

async function main() {
  bindKeys();
  document.addEventListener('keydown', onKey);
  for (const [id, action] of [['submit', submit], ['skip', decline]]) {
    // Focus stays on the page so Space and Enter keep their meaning.
    $(id).addEventListener('mousedown', (ev) => ev.preventDefault());
    $(id).addEventListener('click', action);
  }
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
  conn = new Conn(schema, {
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

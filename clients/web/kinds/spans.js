// What the editors of a window's items share (events, sensor segments,
// captions, instructions): a list of items with one selected, a model's
// pre-annotation items kept apart until the reviewer takes them, spans
// [start, end) marked at the playhead with one key pressed twice, and the
// bars that draw those spans over the timeline or a sensor plot.
//
// Times of items are UNIX ns numbers (as the schema has them); positions
// on screen are seconds from the window start.

import { editorStyle } from '../editors.js';
import { keyLabel } from '../keys.js';

editorStyle('spans');

// One colour per class index, the same on bars, bands and list rows.
const CLASS_COLORS = ['#ffb74d', '#81c784', '#e57373', '#ba68c8', '#4db6ac',
  '#f06292', '#fff176', '#90a4ae', '#4fc3f7'];
// A span marked with both presses at one instant (paused) gets this length.
const MIN_SPAN_S = 0.05;

export function classColor(index) {
  return index < 0 ? '#9aa4b2' : CLASS_COLORS[index % CLASS_COLORS.length];
}

// Seconds from the window start as UNIX ns, rounded and clamped into
// [start_ns, end_ns].
export function toNs(player, s) {
  const ns = Math.round(player.startNs + s * 1e9);
  return Math.min(Math.max(ns, player.startNs), player.endNs);
}

// The page holds UNIX ns as doubles, exact to 256 ns today: a window's
// start or end (and a model's time at its edge) can read back a little
// outside the window, which the daemon refuses. Times sent are kept this
// far inside [start_ns, end_ns).
export const EDGE_NS = 1000;

// NS moved at least EDGE_NS inside window WIN.
export function insideNs(win, ns) {
  return Math.min(Math.max(ns, win.start_ns + EDGE_NS), win.end_ns - EDGE_NS);
}

// A schema item X with start_ns and end_ns, both moved inside WIN unless
// both are 0 (the whole window). Returns X.
export function spanInside(win, x) {
  if (!win || (!x.start_ns && !x.end_ns)) return x;
  x.start_ns = insideNs(win, x.start_ns);
  x.end_ns = insideNs(win, x.end_ns);
  return x;
}

export function toS(player, ns) {
  return Math.min(Math.max((ns - player.startNs) / 1e9, 0), player.durationS);
}

// "0.32–0.61 s"
export function spanText(player, startNs, endNs) {
  return `${toS(player, startNs).toFixed(2)}–${toS(player, endNs).toFixed(2)} s`;
}

const KIND_WORDS = { 1: 'video', 2: 'audio', 3: 'sensor' };

// "all sources", or "audio only: mic", or "cam + mic".
export function sourcesText(win, sources) {
  if (!sources.length) return 'all sources';
  if (sources.length > 1) return sources.join(' + ');
  const src = win && win.sources.find((s) => s.source === sources[0]);
  return `${src ? KIND_WORDS[src.kind] || 'source' : 'source'} only: ${sources[0]}`;
}

// The span between two playhead positions A and B (seconds, any order),
// at least MIN_SPAN_S long and inside the window, as {start_ns, end_ns}.
export function spanBetween(player, a, b) {
  let lo = Math.min(a, b);
  let hi = Math.max(a, b);
  if (hi - lo < MIN_SPAN_S) {
    hi = Math.min(lo + MIN_SPAN_S, player.durationS);
    lo = Math.max(0, hi - MIN_SPAN_S);
  }
  return { start_ns: toNs(player, lo), end_ns: toNs(player, hi) };
}

// Text items (captions, instructions) describe the whole window (both
// times 0) or the moment around the playhead where the item was made,
// +-MOMENT_S.
const MOMENT_S = 0.5;

export function momentText(player, v) {
  return v.start_ns || v.end_ns ? spanText(player, v.start_ns, v.end_ns) : 'whole window';
}

// Item IT's span: the whole window <-> [at - MOMENT_S, at + MOMENT_S).
export function toggleMoment(player, it) {
  if (it.v.start_ns || it.v.end_ns) {
    it.v.start_ns = 0;
    it.v.end_ns = 0;
    return;
  }
  const at = Number.isFinite(it.at) ? it.at : player.position();
  Object.assign(it.v, spanBetween(player, Math.max(0, at - MOMENT_S),
    Math.min(player.durationS, at + MOMENT_S)));
}

// A model's items among THINGS (each with .pre: null or {state}) all
// taken as they are; returns whether any was still pending.
export function acceptPending(things) {
  let any = false;
  for (const t of things) {
    if (t.pre && t.pre.state === 'pending') {
      t.pre.state = 'accepted';
      any = true;
    }
  }
  return any;
}

// How a model's items among THINGS were used: OFFERED of them came,
// DELETED went; the rest are counted by state. Label.preannotations.
export function preUse(things, offered, deleted) {
  const st = (x) => things.filter((t) => t.pre && t.pre.state === x).length;
  return { offered, accepted: st('accepted'), changed: st('changed'), deleted };
}

// Length of S in Unicode code points, as the daemon counts it.
export function codePoints(s) {
  let n = 0;
  for (const _ of s) n += 1; // eslint-disable-line no-unused-vars
  return n;
}

// Esc is not needed elsewhere: the key list is closed and no text field
// has the cursor (there Esc leaves the field).
export function escapeFree() {
  const el = document.activeElement;
  const field = el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.isContentEditable);
  return !field && !document.querySelector('#help:not([hidden])');
}

// A span marked with one key pressed twice: [playhead at the first press,
// playhead at the second). While marking, live() is the span so far.
export class SpanMarker {
  constructor(player) {
    this.player = player;
    this.startS = null;
  }

  get active() {
    return this.startS !== null;
  }

  // First press: remembers the position, returns null. Second press: the
  // span {start_ns, end_ns}.
  press() {
    const pos = this.player.position();
    if (this.startS === null) {
      this.startS = pos;
      return null;
    }
    const span = spanBetween(this.player, this.startS, pos);
    this.startS = null;
    return span;
  }

  cancel() {
    this.startS = null;
  }

  // {startS, endS} from the first press to the playhead, or null.
  live() {
    if (this.startS === null) return null;
    const pos = this.player.position();
    return { startS: Math.min(this.startS, pos), endS: Math.max(this.startS, pos) };
  }
}

// Bars over a strip that maps [0, durationS] onto its full width (the
// timeline, or a uPlot's .u-over whose x scale is the window), placed in
// per cent so a resize needs no redraw. With lanes, overlapping bars are
// stacked; without, each bar takes the full height (translucent bands).
export class SpanLayer {
  constructor(container, className, { lanes = true, onPick = null } = {}) {
    this.el = document.createElement('div');
    this.el.className = `span-layer ${className}`;
    this.lanes = lanes;
    this.onPick = onPick;
    container.append(this.el);
  }

  // BARS: [{key, startS, endS, text, color, selected, pre, live, title}],
  // DURATION_S the strip's length. O(bars^2) for the lanes; bars are few.
  draw(bars, durationS) {
    this.el.replaceChildren();
    if (!durationS) return;
    const sorted = [...bars].sort((a, b) => a.startS - b.startS);
    const laneEnds = [];
    for (const b of sorted) {
      let lane = laneEnds.findIndex((end) => end <= b.startS);
      if (lane < 0) lane = laneEnds.length;
      laneEnds[lane] = b.endS;
      b.lane = lane;
    }
    const n = this.lanes ? Math.max(1, laneEnds.length) : 1;
    for (const b of sorted) {
      const el = document.createElement('div');
      el.className = 'span-bar';
      el.classList.toggle('selected', !!b.selected);
      el.classList.toggle('pre', !!b.pre);
      el.classList.toggle('live', !!b.live);
      el.style.left = `${(b.startS / durationS) * 100}%`;
      el.style.width = `${(Math.max(0, b.endS - b.startS) / durationS) * 100}%`;
      el.style.setProperty('--bar', b.color);
      if (this.lanes) {
        el.style.top = `${(b.lane / n) * 100}%`;
        el.style.height = `${100 / n}%`;
      }
      const tag = document.createElement('span');
      tag.className = 'span-tag';
      tag.textContent = b.text || '';
      el.append(tag);
      el.title = b.title || b.text || '';
      if (b.key !== undefined) el.dataset.key = String(b.key);
      if (this.onPick && b.key !== undefined) {
        el.addEventListener('pointerdown', (ev) => {
          // Picking a bar is not a seek on the strip under it.
          ev.stopPropagation();
          ev.preventDefault();
          this.onPick(b.key);
        });
      }
      this.el.append(el);
    }
  }

  remove() {
    this.el.remove();
  }
}

// Scrolls BOX (only: scrollIntoView would scroll the page too) so that
// EL, inside it, is in view, its top first.
function scrollInto(box, el) {
  if (!box) return;
  const r = el.getBoundingClientRect();
  const b = box.getBoundingClientRect();
  if (r.top < b.top) box.scrollTop -= b.top - r.top;
  else if (r.bottom > b.bottom) box.scrollTop += Math.min(r.bottom - b.bottom, r.top - b.top);
}

// A line of key hints for a section: [[keys, text], ...].
export function hintLine(pairs) {
  const p = document.createElement('p');
  p.className = 'item-hints';
  for (const [keys, text] of pairs) {
    const span = document.createElement('span');
    for (const k of [].concat(keys)) {
      const kbd = document.createElement('kbd');
      kbd.textContent = keyLabel(k);
      span.append(kbd);
    }
    if (text) span.append(` ${text}`);
    p.append(span);
  }
  return p;
}

// A button that never takes the focus (Space and Enter belong to the page).
export function smallButton(text, title, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'item-button';
  b.textContent = text;
  b.title = title;
  b.tabIndex = -1;
  b.addEventListener('mousedown', (ev) => ev.preventDefault());
  b.addEventListener('click', (ev) => {
    ev.stopPropagation();
    onClick();
  });
  return b;
}

// The common part of the item editors (editors.js has the interface).
// An item: {v: its fields as the schema names them, pre: null or {model,
// confidence, orig (JSON of v as offered), state: 'pending' | 'accepted'
// | 'changed'}}. A subclass sets FIELD (the Label field) and implements
// fromPre(x) -> v, toLabel(v) -> schema object, row(item, i, li) to fill a
// list row (structure), update(item, i, li) to refresh it, and may
// override draw() (overlays), loaded(), cleared().
export class ItemEditor {
  constructor(ctx, field, noun) {
    this.ctx = ctx;
    this.field = field;
    this.noun = noun;
    this.items = [];
    this.sel = -1;
    this.locked = false;
    this.preOffered = 0;
    this.preDeleted = 0;
    this.task = null;
    this.list = document.createElement('ol');
    this.list.className = `items ${field}`;
    this.list.setAttribute('aria-label', noun + 's');
    this.rows = [];
    this.empty = document.createElement('p');
    this.empty.className = 'items-empty';
    // The list and, over it while it is empty, what to press.
    this.box = document.createElement('div');
    this.box.className = 'items-box';
    this.box.append(this.list, this.empty);
  }

  get player() {
    return this.ctx.player;
  }

  get win() {
    return this.task ? this.task.window : null;
  }

  // The common keys while this editor has the focus: select, delete.
  bindListKeys() {
    const on = () => this.ctx.focused() && !this.locked && !!this.task;
    this.ctx.keys.add({ keys: ['ArrowUp'], label: `select the previous ${this.noun}`,
      when: () => on() && this.items.length > 0, run: () => this.step(-1) });
    this.ctx.keys.add({ keys: ['ArrowDown'], label: `select the next ${this.noun}`,
      when: () => on() && this.items.length > 0, run: () => this.step(1) });
    this.ctx.keys.add({ keys: ['Delete', 'Backspace'], label: `delete the selected ${this.noun}`,
      when: () => on() && this.sel >= 0, run: () => this.remove(this.sel) });
  }

  // The editor takes the page's focus (its digits and arrows apply).
  takeFocus() {
    if (this.ctx.focused()) return;
    if (this.ctx.takeFocus) {
      this.ctx.takeFocus();
      return;
    }
    const section = this.ctx.root.closest('section');
    if (section) section.dispatchEvent(new Event('pointerdown'));
  }

  load(task, draft, pre) {
    this.unload();
    this.task = task;
    this.items = [];
    // A model's item keeps the key its mentions name it by (entities.js).
    pre.forEach((p, pi) => {
      ((p.label && p.label[this.field]) || []).forEach((x, xi) => {
        const v = this.fromPre(x);
        if (!v) return;
        this.items.push({ v, key: `pre${pi}.${this.field}.${xi}`, pre: {
          model: `${p.model} ${p.model_version}`.trim(), confidence: x.confidence || 0,
          orig: JSON.stringify(v), state: 'pending' } });
      });
    });
    this.preOffered = this.items.length;
    if (draft && Array.isArray(draft.items)) {
      this.items = draft.items.filter((it) => it && it.v);
      this.preDeleted = draft.preDeleted || 0;
      this.sel = Math.min(draft.sel ?? -1, this.items.length - 1);
    }
    this.loaded(draft);
    this.rebuild();
  }

  unload() {
    this.cleared();
    this.task = null;
    this.items = [];
    this.sel = -1;
    this.preOffered = 0;
    this.preDeleted = 0;
    this.locked = false;
    this.rebuild();
  }

  save() {
    return { items: this.items, sel: this.sel, preDeleted: this.preDeleted, ...this.saveExtra() };
  }

  saveExtra() {
    return {};
  }

  loaded() {}

  cleared() {}

  draw() {}

  pending(it) {
    return !!it.pre && it.pre.state === 'pending';
  }

  count() {
    return this.items.filter((it) => !this.pending(it)).length;
  }

  fill(label) {
    label[this.field] = this.items.filter((it) => !this.pending(it))
      .map((it) => spanInside(this.win, this.toLabel(it.v)));
  }

  check() {
    return '';
  }

  // What entities can link (kinds/entities.js): the items in the order
  // fill() writes them (index -1 while a suggestion is pending), each with
  // a key that stays with it (saved in the draft with the item).
  linkables() {
    const target = { events: 'event', sensor_segments: 'sensor_segment', captions: 'caption' }[this.field];
    if (!target) return [];
    let index = 0;
    return this.items.map((it, i) => {
      it.key ||= `${this.field}.${Math.random().toString(36).slice(2, 10)}`;
      const pending = this.pending(it);
      const what = it.v.class || (it.v.text ? `“${it.v.text}”` : this.noun);
      return { key: it.key, target, index: pending ? -1 : index++, pending, text: it.v.text,
        title: `${what} ${momentText(this.player, it.v)}` };
    });
  }

  // Adds V as the reviewer's own item and selects it; returns its index.
  add(v) {
    this.items.push({ v, pre: null });
    this.sel = this.items.length - 1;
    this.rebuild();
    this.ctx.changed();
    return this.sel;
  }

  // Item I was edited: a model's item is now the reviewer's (kept as it
  // was, or changed).
  edited(i, { rebuild = false } = {}) {
    const it = this.items[i];
    if (it && it.pre) it.pre.state = JSON.stringify(it.v) === it.pre.orig ? 'accepted' : 'changed';
    if (rebuild) this.rebuild();
    else this.refresh();
    this.ctx.changed();
  }

  remove(i) {
    if (this.locked || i < 0 || i >= this.items.length) return;
    if (this.items[i].pre) this.preDeleted += 1;
    this.items.splice(i, 1);
    this.sel = Math.min(this.sel, this.items.length - 1);
    this.rebuild();
    this.ctx.changed();
  }

  select(i) {
    if (i < -1 || i >= this.items.length || i === this.sel) return;
    this.sel = i;
    this.refresh();
    const li = this.rows[i];
    if (li) scrollInto(this.list, li);
  }

  step(d) {
    if (!this.items.length) return;
    const n = this.items.length;
    this.select(this.sel < 0 ? (d > 0 ? 0 : n - 1) : (this.sel + d + n) % n);
  }

  // Per item: the model's item I becomes the reviewer's unchanged.
  acceptOne(i) {
    const it = this.items[i];
    if (this.locked || !it || !this.pending(it)) return;
    it.pre.state = 'accepted';
    this.refresh();
    this.ctx.changed();
  }

  acceptPre() {
    if (this.locked || !acceptPending(this.items)) return;
    this.refresh();
    this.ctx.changed();
  }

  preStats() {
    return preUse(this.items, this.preOffered, this.preDeleted);
  }

  lock(locked) {
    this.locked = locked;
    for (const el of this.ctx.root.querySelectorAll('textarea, input, button')) el.disabled = locked;
  }

  // The panel may scroll: the focused editor shows its section whole.
  focus(on) {
    const section = this.ctx.root.closest('section');
    if (on && section) scrollInto(section.parentElement, section);
  }

  // Rows made again from the items (an item came or went).
  rebuild() {
    this.rows = this.items.map((it, i) => {
      const li = document.createElement('li');
      li.className = 'item';
      li.addEventListener('click', () => {
        const at = this.rows.indexOf(li);
        this.select(at);
        this.takeFocus();
      });
      this.row(it, i, li);
      if (it.pre) {
        const badge = document.createElement('span');
        badge.className = 'pre-badge';
        const conf = it.pre.confidence ? ` ${it.pre.confidence.toFixed(2)}` : '';
        badge.textContent = `${it.pre.model}${conf}`;
        badge.title = `suggested by ${it.pre.model}${conf}: a (all) or ✓ accepts it; or edit or delete it`;
        const ok = smallButton('✓', 'accept this suggestion as it is',
          () => this.acceptOne(this.rows.indexOf(li)));
        ok.classList.add('accept');
        (li.querySelector('.item-head') || li).append(badge, ok);
      }
      return li;
    });
    this.list.replaceChildren(...this.rows);
    this.empty.hidden = this.items.length > 0;
    if (this.locked) this.lock(true);
    this.refresh();
  }

  // Selection, pre-annotation state and texts shown again, in place.
  refresh() {
    this.rows.forEach((li, i) => {
      const it = this.items[i];
      li.classList.toggle('selected', i === this.sel);
      li.classList.toggle('pre', this.pending(it));
      li.dataset.index = String(i);
      this.update(it, i, li);
    });
    this.draw();
  }
}

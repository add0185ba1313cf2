// Tracks: boxes that follow an object across the frames of one video
// source. The reviewer sets keyframes (b draws a new track, k or a drag
// at another frame adds one); between keyframes the box is interpolated
// linearly, drawn dashed, the way the daemon fills Track.boxes. A model's
// tracks show dashed magenta with their confidence until accepted (a),
// edited or deleted.

import { editorStyle } from '../editors.js';
import { BoxOverlay, boxAt, clampBox, frameIndexAt, snapKeys } from './boxes_draw.js';
import { acceptPending, hintLine, preUse } from './spans.js';

editorStyle('tracks');

const KIND_VIDEO = 1;
// Track colours by number; magenta is the model's tracks' alone.
const PRE_COLOR = 'var(--pre, #c58cff)';
const COLORS = ['#4fc3f7', '#ffca28', '#66bb6a', '#ff7043', '#26c6da', '#d4e157', '#90caf9', '#ffe0b2'];
// A box from b without a drag: this fraction of the frame, centred.
const DEFAULT_BOX = 0.25;
// The daemon takes at most this many tracks in a label.
const MAX_TRACKS = 64;
// Pixels an arrow key moves or resizes the box; a held key goes faster.
const STEP_PX = 1;
const REPEAT_STEP_PX = 5;

export class TracksEditor {
  static kind = 'LABEL_KIND_TRACKS';
  static title = 'tracks';

  constructor(ctx) {
    this.ctx = ctx;
    this.hint = hintLine([['b', 'new / drag'], ['k', 'keyframe'], ['1–9', 'class'],
      ['←↑→↓', 'move'], ['Shift', '+arrows size'], ['Delete', 'delete']]);
    this.list = document.createElement('ol');
    this.list.className = 'tracks-list';
    this.list.setAttribute('aria-label', 'tracks');
    ctx.root.append(this.hint, this.list);
    this.reset();
    this.bindKeys();
    if (window.ringside) {
      window.ringside.editors = window.ringside.editors || {};
      window.ringside.editors.tracks = { debug: () => this.debug() };
    }
  }

  reset() {
    this.tracks = []; // {id, n, cls, source, keys [{t_ns, x, y, w, h}], pre, armed}
    this.sel = null; // id of the selected track
    this.next = 0; // tracks numbered so far (ids t1, t2, ...)
    this.videos = new Map(); // source -> {W, H, frames (t_ns), times (s), overlay}
    this.active = null; // the video source b draws on
    this.classes = [];
    this.preOffered = 0;
    this.preDeleted = 0;
    this.locked = false;
    this.offRender = null;
  }

  bindKeys() {
    const add = (keys, label, run, when) => this.ctx.keys.add({ keys, label, run, when });
    const ready = () => !this.locked && this.videos.size > 0;
    const selected = () => ready() && !!this.selected();
    const onBox = () => selected() && this.ctx.focused() && !!this.current(this.selected());
    add(['b'], 'new track: drag a box on the video (or keep the centred one)',
      () => this.newTrack(), ready);
    add(['k'], 'keyframe here for the selected track', () => this.keyHere(), selected);
    // Arrows move the box, Shift+arrows move its right or bottom edge.
    const arrows = ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'];
    const dir = (ev) => {
      const n = ev.repeat ? REPEAT_STEP_PX : STEP_PX;
      return { ArrowLeft: [-n, 0], ArrowRight: [n, 0], ArrowUp: [0, -n], ArrowDown: [0, n] }[
        ev.key];
    };
    add(arrows, 'move the selected box 1 px (held: 5 px)', (ev) => this.nudge(...dir(ev), 0, 0), onBox);
    add(arrows.map((k) => `Shift+${k}`),
      'resize the selected box: → ← wider / narrower, ↓ ↑ taller / shorter',
      (ev) => this.nudge(0, 0, ...dir(ev)), onBox);
    add(['Delete', 'Backspace'], 'delete the keyframe here (the track if it has one)',
      () => this.deleteHere(), () => selected() && this.ctx.focused());
    add(['Shift+Delete', 'Shift+Backspace'], 'delete the selected track',
      () => this.deleteTrack(this.selected()), () => selected() && this.ctx.focused());
  }

  // ------------------------------------------------------------ task

  load(task, draft, pre) {
    this.unload();
    const win = task.window;
    this.classes = [...(task.template.box_classes || [])];
    const player = this.ctx.player;
    for (const src of win.sources.filter((s) => s.kind === KIND_VIDEO)) {
      const frames = player.frameTimes(src.source);
      const figure = player.videoFigure(src.source);
      if (!figure || !frames.length) continue;
      const v = {
        W: src.width || figure.querySelector('canvas').width,
        H: src.height || figure.querySelector('canvas').height,
        frames,
        times: frames.map((t) => (t - player.startNs) / 1e9),
      };
      v.overlay = new BoxOverlay(figure, v.W, v.H, (g) => this.gesture(src.source, g), () => !this.locked);
      this.videos.set(src.source, v);
      if (!this.active) this.active = src.source;
    }
    this.preOffered = this.loadPre(pre);
    if (draft) this.restore(draft);
    this.offRender = player.onRender(() => this.draw());
    this.render();
  }

  // Turns the window's pre-annotated tracks into pending tracks; returns
  // how many the window offers (the daemon checks that count). A model's
  // tracks on sources or with classes this page cannot show are left out.
  loadPre(pre) {
    let offered = 0;
    for (const [pi, p] of pre.entries()) {
      for (const tr of p.label.tracks || []) {
        offered += 1;
        const v = this.videos.get(tr.source);
        if (!v || !this.classes.includes(tr.class)) continue;
        const keys = snapKeys(tr.keyframes && tr.keyframes.length ? tr.keyframes : tr.boxes || [],
          v.frames, v.W, v.H);
        if (!keys.length) continue;
        const conf = tr.confidence ? ` · ${tr.confidence.toFixed(2)}` : '';
        const track = this.addTrack(tr.class, tr.source, keys);
        track.pre = { state: 'pending', badge: `${p.model} ${p.model_version}${conf}`.trim(),
          key: `pre${pi}.tracks.${tr.track_id}` };
      }
    }
    return offered;
  }

  restore(draft) {
    this.tracks = (draft.tracks || [])
      .filter((t) => this.videos.has(t.source) && t.keys && t.keys.length)
      .map((t) => ({ ...t, armed: false }));
    this.next = Math.max(draft.next || 0, ...this.tracks.map((t) => t.n));
    this.sel = this.tracks.some((t) => t.id === draft.sel) ? draft.sel : null;
    this.preDeleted = draft.preDeleted || 0;
    if (this.videos.has(draft.active)) this.active = draft.active;
  }

  unload() {
    if (this.offRender) this.offRender();
    for (const v of this.videos.values()) v.overlay.destroy();
    this.list.replaceChildren();
    this.reset();
  }

  save() {
    return {
      tracks: this.tracks.map(({ armed, ...t }) => t),
      next: this.next,
      sel: this.sel,
      active: this.active,
      preDeleted: this.preDeleted,
    };
  }

  // ------------------------------------------------------------ edits

  addTrack(cls, source, keys) {
    this.next += 1;
    const track = { id: `t${this.next}`, n: this.next, cls, source, keys, pre: null, armed: false };
    this.tracks.push(track);
    return track;
  }

  selected() {
    return this.tracks.find((t) => t.id === this.sel) || null;
  }

  // Index of the frame of SOURCE on screen now (the first before it shows).
  frameNow(source) {
    const v = this.videos.get(source);
    return Math.max(0, frameIndexAt(v.times, this.ctx.player.position()));
  }

  // {box, kind, t} of TRACK at the frame shown now.
  current(track) {
    const v = this.videos.get(track.source);
    const t = v.frames[this.frameNow(track.source)];
    const at = boxAt(track.keys, t);
    return at && { ...at, t };
  }

  // Sets TRACK's keyframe at frame time T to BOX (inside the frame). A
  // model's track becomes the reviewer's, changed.
  setKey(track, t, box) {
    const v = this.videos.get(track.source);
    const k = { t_ns: t, ...clampBox(box, v.W, v.H) };
    const i = track.keys.findIndex((x) => x.t_ns === t);
    if (i >= 0) track.keys[i] = k;
    else track.keys.push(k);
    track.keys.sort((a, b) => a.t_ns - b.t_ns);
    track.armed = false;
    this.touch(track);
  }

  touch(track) {
    if (track.pre && track.pre.state !== 'changed') track.pre.state = 'changed';
    this.edited();
  }

  edited() {
    this.render();
    this.ctx.changed();
  }

  select(id) {
    if (this.sel !== id) {
      const old = this.selected();
      if (old) old.armed = false;
    }
    this.sel = id;
    const t = this.selected();
    if (t) this.active = t.source;
  }

  // The tracks section takes the focus, so digits, arrows and Delete reach
  // the box just made or picked.
  takeFocus() {
    if (!this.ctx.focused()) this.ctx.takeFocus();
  }

  newTrack() {
    if (!this.classes.length) {
      this.ctx.message('the template has no box classes: tracks cannot be drawn', 'warn');
      return;
    }
    const source = this.active;
    const v = this.videos.get(source);
    const w = Math.round(v.W * DEFAULT_BOX);
    const h = Math.round(v.H * DEFAULT_BOX);
    const box = { x: Math.round((v.W - w) / 2), y: Math.round((v.H - h) / 2), w, h };
    const t = v.frames[this.frameNow(source)];
    const track = this.addTrack(this.classes[0], source, [{ t_ns: t, ...box }]);
    this.select(track.id);
    // Until something else happens, a drag on the picture redraws this
    // box instead of starting another track.
    track.armed = true;
    this.takeFocus();
    this.edited();
  }

  keyHere() {
    const track = this.selected();
    const cur = this.current(track);
    this.takeFocus();
    if (cur.kind === 'key') {
      this.ctx.message(`${track.id} has a keyframe at this frame already`);
      return;
    }
    this.setKey(track, cur.t, cur.box);
  }

  nudge(dx, dy, dw, dh) {
    const track = this.selected();
    const cur = this.current(track);
    const v = this.videos.get(track.source);
    const b = cur.box;
    const box = { x: b.x + dx, y: b.y + dy, w: b.w + dw, h: b.h + dh };
    // Resizing grows to the frame's edge, never pushes the box off it.
    if (dw) box.w = Math.min(Math.max(box.w, 1), v.W - b.x);
    if (dh) box.h = Math.min(Math.max(box.h, 1), v.H - b.y);
    this.setKey(track, cur.t, box);
  }

  deleteHere() {
    const track = this.selected();
    if (track.pre && track.pre.state === 'pending') {
      this.deleteTrack(track);
      return;
    }
    const cur = this.current(track);
    if (cur.kind !== 'key') {
      this.ctx.message(`${track.id}: no keyframe at this frame (Shift+Del deletes the track)`);
      return;
    }
    if (track.keys.length === 1) {
      this.deleteTrack(track);
      return;
    }
    track.keys = track.keys.filter((k) => k.t_ns !== cur.t);
    this.touch(track);
  }

  deleteTrack(track) {
    if (track.pre) this.preDeleted += 1;
    this.tracks = this.tracks.filter((t) => t !== track);
    if (this.sel === track.id) this.sel = null;
    this.edited();
  }

  // What the mouse did on SOURCE's picture (boxes_draw.js).
  gesture(source, g) {
    if (this.locked) return;
    const v = this.videos.get(source);
    if (g.type === 'down') {
      // The frame under the pointer when pressed is the one edited.
      this.downT = v.frames[this.frameNow(source)];
      this.active = source;
      if (g.id) this.select(g.id);
      this.takeFocus();
      this.render();
      return;
    }
    if (g.type === 'click') {
      if (!g.id) this.select(null);
      this.render();
      return;
    }
    if (g.type === 'set') {
      this.setKey(this.tracks.find((t) => t.id === g.id), this.downT, g.box);
      return;
    }
    // A drawn box: the armed new track's (b), else a new track.
    const sel = this.selected();
    if (sel && sel.armed && sel.source === source && sel.keys.length === 1
      && sel.keys[0].t_ns === this.downT) {
      this.setKey(sel, this.downT, g.box);
      return;
    }
    if (!this.classes.length) {
      this.ctx.message('the template has no box classes: tracks cannot be drawn', 'warn');
      this.render();
      return;
    }
    const track = this.addTrack(this.classes[0], source, [{ t_ns: this.downT, ...g.box }]);
    this.select(track.id);
    this.edited();
  }

  // Keys 1-9 while focused: the selected track's class.
  digit(n) {
    const track = this.selected();
    if (this.locked || !track || n >= this.classes.length) return false;
    if (track.cls !== this.classes[n]) {
      track.cls = this.classes[n];
      this.touch(track);
    }
    return true;
  }

  // ------------------------------------------------------------ drawing

  render() {
    this.renderList();
    this.draw();
  }

  // The boxes of every track at the frame shown now, on each source.
  draw() {
    for (const [source, v] of this.videos) {
      const t = v.frames[this.frameNow(source)];
      const items = [];
      for (const track of this.tracks) {
        if (track.source !== source) continue;
        const at = boxAt(track.keys, t);
        const selected = track.id === this.sel;
        if (!at || (at.kind === 'held' && !selected)) continue;
        const pending = !!track.pre && track.pre.state === 'pending';
        items.push({
          id: track.id,
          box: at.box,
          kind: at.kind,
          pre: pending,
          color: pending ? PRE_COLOR : COLORS[(track.n - 1) % COLORS.length],
          label: `${track.id} ${track.cls}`,
          badge: pending ? track.pre.badge : '',
          selected,
        });
      }
      v.overlay.draw(items);
    }
  }

  renderList() {
    const rows = this.tracks.map((track) => {
      const li = document.createElement('li');
      li.dataset.track = track.id;
      li.classList.toggle('selected', track.id === this.sel);
      const pending = !!track.pre && track.pre.state === 'pending';
      li.classList.toggle('pre', pending);
      li.style.setProperty('--box-color', COLORS[(track.n - 1) % COLORS.length]);
      const v = this.videos.get(track.source);
      const first = v.frames.indexOf(track.keys[0].t_ns) + 1;
      const last = v.frames.indexOf(track.keys[track.keys.length - 1].t_ns) + 1;
      const span = first === last ? `frame ${first}` : `frames ${first}–${last}`;
      const kf = `${track.keys.length} key${track.keys.length === 1 ? '' : 's'}`;
      const cells = [['track-id', track.id], ['track-class', track.cls], ['track-keys', kf],
        ['track-span', span]];
      if (this.videos.size > 1) cells.splice(2, 0, ['track-source', track.source]);
      for (const [cls, text] of cells) {
        const s = document.createElement('span');
        s.className = cls;
        s.textContent = text;
        li.append(s);
      }
      if (pending) {
        const badge = document.createElement('span');
        badge.className = 'pre-badge';
        badge.textContent = track.pre.badge;
        li.append(badge);
      }
      li.title = `${track.id} on ${track.source}: ${kf}, ${span} of ${v.frames.length}`;
      li.addEventListener('click', () => this.pick(track));
      return li;
    });
    if (!rows.length) {
      const li = document.createElement('li');
      li.className = 'muted empty';
      li.textContent = this.videos.size ? 'no tracks yet' : 'no video in this window';
      rows.push(li);
    }
    this.list.replaceChildren(...rows);
  }

  // A click on a track in the list: select it and, when it is not on the
  // picture now, go to its first keyframe.
  pick(track) {
    if (this.locked) return;
    this.select(track.id);
    if (this.current(track).kind === 'held') {
      const p = this.ctx.player;
      p.seek((track.keys[0].t_ns - p.startNs) / 1e9);
    }
    this.render();
  }

  // ------------------------------------------------------------ label

  // What an entity may mention (entities.js): every track, by id.
  linkables() {
    return this.tracks.map((t) => ({
      key: t.pre ? t.pre.key : `track:${t.id}`,
      target: 'track_id',
      id: t.id,
      index: -1,
      pending: !!t.pre && t.pre.state === 'pending',
      title: `${t.cls} ${t.id} on ${t.source}`,
      short: t.id,
    }));
  }

  reviewed() {
    return this.tracks.filter((t) => !t.pre || t.pre.state !== 'pending');
  }

  fill(label) {
    label.tracks = this.reviewed().map((t) => ({
      track_id: t.id,
      class: t.cls,
      source: t.source,
      keyframes: t.keys.map((k) => ({ t_ns: k.t_ns, x: k.x, y: k.y, w: k.w, h: k.h, keyframe: true })),
    }));
  }

  count() {
    return this.reviewed().length;
  }

  check() {
    if (this.reviewed().length > MAX_TRACKS) return `at most ${MAX_TRACKS} tracks in a label`;
    const bad = this.reviewed().find((t) => !this.classes.includes(t.cls));
    return bad ? `track ${bad.id}: choose a box class` : '';
  }

  acceptPre() {
    if (this.locked) return;
    if (acceptPending(this.tracks)) this.edited();
  }

  preStats() {
    return preUse(this.tracks, this.preOffered, this.preDeleted);
  }

  lock(locked) {
    this.locked = locked;
  }

  // The panel scrolls when the editors do not fit: keep this one in view.
  focus(on) {
    if (on) this.ctx.root.parentElement.scrollIntoView({ block: 'nearest' });
  }

  // For tests: what the editor holds and shows.
  debug() {
    const p = this.ctx.player;
    const sources = {};
    for (const [name, v] of this.videos) {
      sources[name] = { width: v.W, height: v.H, frameTimes: v.frames, frameIndex: this.frameNow(name) };
    }
    return {
      position: p.position(),
      playing: p.playing,
      durationS: p.durationS,
      startNs: p.startNs,
      selected: this.sel,
      preStats: this.preStats(),
      sources,
      tracks: this.tracks.map((t) => ({ id: t.id, cls: t.cls, source: t.source,
        keys: t.keys.map((k) => ({ ...k })), pre: t.pre ? t.pre.state : null })),
    };
  }
}

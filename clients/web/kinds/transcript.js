// Transcript: who said what when, on the window's audio sources, marked
// while the window plays. t marks a segment's start at the playhead, t
// again its end and puts the cursor in its text (Enter commits); p adds a
// speaker (A, B, …), 1-9 give the selected segment that speaker, m cycles
// its emotion, n opens its sound tags. Segments are bars on the timeline
// (one colour per speaker) and rows in the list.
//
// Segments of one source never overlap: a new one is cut back to the
// free time around it. Other editors link segments and speakers through
// linkables() and a text span selected in a segment's field through
// textSpan().

import { editorStyle } from '../editors.js';
import { Picker, scrollWithin } from './picker.js';
import { SpanLayer, acceptPending, hintLine, insideNs, preUse } from './spans.js';
import { drawBars, follow, makeRow, renderHead, renderRow, secs } from './transcript_view.js';

editorStyle('transcript');

const KIND_AUDIO = 2;
// Shorter segments are a slip of the finger, not speech.
const MIN_S = 0.05;
const SPEAKER_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const SPEAKERS_MAX = 32; // the daemon's cap (feedback/label.h)
const SPEAKER_COLORS = ['#1e88e5', '#ab47bc', '#26a69a', '#c0ca33', '#f4511e', '#8d6e63'];

// Code points of TEXT before UTF-16 index I (spans are in code points).
export function codePoints(text, i = text.length) {
  return [...text.slice(0, i)].length;
}

export class TranscriptEditor {
  static kind = 'LABEL_KIND_TRANSCRIPT';
  static title = 'transcript';

  constructor(ctx) {
    this.ctx = ctx;
    this.el = document.createElement('div');
    this.el.className = 'transcript';
    this.head = document.createElement('div');
    this.head.className = 'tx-head';
    this.list = document.createElement('ol');
    this.list.className = 'tx-list row-list';
    this.list.setAttribute('aria-label', 'transcript segments');
    const hint = hintLine([['t', 'start/end'], ['p', 'speaker'], ['1–9', 'who'], ['m', 'emotion'],
      ['n', 'sounds']]);
    this.el.append(this.head, this.list, hint);
    ctx.root.append(this.el);
    this.picker = new Picker(ctx.keys, TranscriptEditor.title);
    this.rows = new Map(); // segment key -> {li, meta, input}
    this.reset();
    // For tests: what the editor holds.
    if (window.ringside) (window.ringside.editors ||= {}).transcript = {
      state: () => ({
        segs: this.segs.map((s) => ({ ...s, pre: s.pre ? s.pre.state : null })),
        speakers: this.speakers, sel: this.sel, marking: !!this.pending, span: this.textSpan(),
        playing: ctx.player.playing, position: ctx.player.position(),
      }),
    };

    const k = (keys, label, run, when) => ctx.keys.add({ keys, label, run, when });
    const ready = () => this.loaded && !this.locked;
    const onSeg = () => ready() && ctx.focused() && this.sel >= 0;
    k(['t'], 'transcript segment: start / end at the playhead', () => this.mark(), ready);
    k(['T'], 'transcript: next audio source', () => this.nextSource(), ready);
    k(['p'], 'add a speaker (A, B, …); 1–9 give it to the segment', () => this.addSpeaker(), ready);
    k(['P'], 'remove the last speaker', () => this.removeSpeaker(), ready);
    k(['m'], 'next emotion of the selected segment', () => this.cycleEmotion(), ready);
    k(['n'], 'sound tags of the selected segment', () => this.tagPicker(), ready);
    k(['ArrowUp', 'ArrowDown'], 'select the previous / next segment',
      (ev) => this.select(this.sel + (ev.key === 'ArrowDown' ? 1 : -1)),
      () => ready() && ctx.focused() && this.segs.length > 0);
    k(['Delete', 'Backspace'], 'delete the selected segment', () => this.remove(this.sel), onSeg);
    k(['Escape'], 'transcript: stop marking', () => {
      this.pending = null;
      this.render();
    }, () => !!this.pending);
  }

  reset() {
    this.loaded = false;
    this.locked = false;
    this.win = null;
    // {key, source, startS, endS, text, speaker, emotion, tags, pre, ns (a model's times)}
    this.segs = [];
    this.speakers = []; // {id, name}
    this.sources = [];
    this.source = '';
    this.sel = -1;
    this.pending = null; // {startS, source} while a segment is being marked
    this.span = null; // {key, start, end, text}: last text selected in a field
    this.nextKey = 1;
    this.preOffered = 0;
    this.preDeleted = 0;
  }

  // ------------------------------------------------------------ task

  load(task, draft, pre) {
    this.unload();
    this.win = task.window;
    this.durationS = Math.max(0, (this.win.end_ns - this.win.start_ns) / 1e9);
    this.sources = this.win.sources.filter((s) => s.kind === KIND_AUDIO).map((s) => s.source);
    this.source = this.sources[0] || '';
    if (draft) this.restore(draft);
    else this.loadPre(pre);
    this.loaded = true;
    this.layer = new SpanLayer(this.ctx.player.timeline.el, 'tx-bars', {
      onPick: (i) => {
        this.select(i);
        if (this.ctx.takeFocus) this.ctx.takeFocus();
      },
    });
    this.offRender = this.ctx.player.onRender((pos) => follow(this, pos));
    this.render();
  }

  restore(d) {
    this.segs = (d.segs || []).filter((s) => this.sources.includes(s.source));
    this.speakers = d.speakers || [];
    if (this.sources.includes(d.source)) this.source = d.source;
    this.sel = Math.min(d.sel ?? -1, this.segs.length - 1);
    this.span = d.span || null;
    this.nextKey = d.nextKey || this.segs.length + 1;
    this.preOffered = d.preOffered || 0;
    this.preDeleted = d.preDeleted || 0;
  }

  // A model's segments (an ASR's, typically) wait dashed until accepted.
  loadPre(pre) {
    pre.forEach((p, pi) => {
      const l = p.label;
      for (const s of l.speakers || []) {
        if (!s.speaker_id || this.speaker(s.speaker_id)) continue;
        this.speakers.push({ id: s.speaker_id, name: s.name || '' });
      }
      (l.transcript || []).forEach((t, j) => {
        // Counted even when not shown: the daemon checks offered adds up.
        this.preOffered += 1;
        if (!this.sources.includes(t.source)) return;
        const startS = Math.max(0, (t.start_ns - this.win.start_ns) / 1e9);
        const endS = Math.min(this.durationS, (t.end_ns - this.win.start_ns) / 1e9);
        if (endS - startS <= 0) return;
        this.segs.push({
          key: `pre${pi}.transcript.${j}`, source: t.source, startS, endS, text: t.text || '',
          ns: [t.start_ns, t.end_ns], // sent back as offered: times are not edited here
          speaker: t.speaker_id || '', emotion: t.emotion || '', tags: [...(t.sound_tags || [])],
          pre: { state: 'pending', model: `${p.model} ${p.model_version}`.trim(),
            confidence: t.confidence || 0 },
        });
      });
    });
    this.sortSegs();
  }

  unload() {
    this.picker.close();
    if (this.offRender) this.offRender();
    this.offRender = null;
    if (this.layer) this.layer.remove();
    this.layer = null;
    this.list.replaceChildren();
    this.head.replaceChildren();
    this.rows.clear();
    this.reset();
  }

  save() {
    return {
      segs: this.segs, speakers: this.speakers, source: this.source, sel: this.sel, span: this.span,
      nextKey: this.nextKey, preOffered: this.preOffered, preDeleted: this.preDeleted,
    };
  }

  // ------------------------------------------------------------ edits

  edited(seg) {
    if (seg && seg.pre && seg.pre.state !== 'changed') seg.pre.state = 'changed';
    this.render();
    this.ctx.changed();
  }

  mark() {
    if (!this.sources.length) {
      this.ctx.message('no audio source in this window: nothing to transcribe', 'warn');
      return;
    }
    if (this.ctx.takeFocus) this.ctx.takeFocus();
    const pos = this.ctx.player.position();
    if (!this.pending) {
      if (pos > this.durationS - MIN_S) {
        this.ctx.message('the playhead is at the end: seek back (←) to start a segment', 'warn');
        return;
      }
      this.pending = { startS: pos, source: this.source };
      this.render();
      return;
    }
    const { source } = this.pending;
    const [a, b] = this.fit(source, Math.min(this.pending.startS, pos), Math.max(this.pending.startS, pos));
    this.pending = null;
    if (b - a < MIN_S) {
      this.ctx.message('segment too short or inside another one on this source: not added', 'warn');
      this.render();
      return;
    }
    const seg = { key: `s${this.nextKey++}`, source, startS: a, endS: b, text: '', speaker: '',
      emotion: '', tags: [], pre: null };
    this.segs.push(seg);
    this.sortSegs();
    this.sel = this.segs.indexOf(seg);
    this.edited(null);
    // Playback goes on while the reviewer types what was said.
    this.rows.get(seg.key).input.focus();
  }

  // [A, B) cut back to the time no other segment of SOURCE covers.
  fit(source, a, b) {
    const same = this.segs.filter((s) => s.source === source);
    for (const s of same) if (s.startS <= a && s.endS > a) a = s.endS;
    for (const s of same) if (s.startS >= a && s.startS < b) b = s.startS;
    return [a, Math.min(b, this.durationS)];
  }

  sortSegs() {
    const cur = this.segs[this.sel];
    this.segs.sort((x, y) => x.startS - y.startS || (x.source < y.source ? -1 : 1));
    this.sel = cur ? this.segs.indexOf(cur) : -1;
  }

  nextSource() {
    if (this.sources.length < 2) {
      const why = this.sources.length ? `only one audio source: ${this.source}` : 'no audio source';
      this.ctx.message(why, 'warn');
      return;
    }
    this.source = this.sources[(this.sources.indexOf(this.source) + 1) % this.sources.length];
    if (this.pending) this.pending.source = this.source;
    this.render();
  }

  speaker(id) {
    return this.speakers.find((s) => s.id === id) || null;
  }

  addSpeaker() {
    if (this.speakers.length >= SPEAKERS_MAX) {
      this.ctx.message(`at most ${SPEAKERS_MAX} speakers`, 'warn');
      return;
    }
    let n = 0;
    const id = (i) => (i < SPEAKER_IDS.length ? SPEAKER_IDS[i] : `S${i + 1}`);
    while (this.speaker(id(n))) n += 1;
    this.speakers.push({ id: id(n), name: '' });
    this.edited(null);
  }

  removeSpeaker() {
    const gone = this.speakers.pop();
    if (!gone) return;
    for (const s of this.segs) {
      if (s.speaker === gone.id) {
        s.speaker = '';
        if (s.pre) s.pre.state = 'changed';
      }
    }
    this.edited(null);
  }

  // Keys 1-9 while the transcript has the focus: speaker N of the list for
  // the selected segment (the same key again: no speaker).
  digit(n) {
    if (!this.loaded || this.locked || this.sel < 0 || n >= this.speakers.length) return false;
    const seg = this.segs[this.sel];
    const id = this.speakers[n].id;
    seg.speaker = seg.speaker === id ? '' : id;
    this.edited(seg);
    return true;
  }

  selected() {
    const seg = this.segs[this.sel];
    if (!seg) this.ctx.message('select a segment first (t marks one, ↑ ↓ select)', 'warn');
    return seg || null;
  }

  cycleEmotion() {
    const seg = this.selected();
    if (!seg) return;
    const list = ['', ...(this.ctx.template.emotions || [])];
    if (list.length < 2) {
      this.ctx.message('this group names no emotions', 'warn');
      return;
    }
    seg.emotion = list[(list.indexOf(seg.emotion) + 1) % list.length];
    this.edited(seg);
  }

  tagPicker() {
    if (this.picker.isOpen()) {
      this.picker.close();
      return;
    }
    const seg = this.selected();
    if (!seg) return;
    const tags = this.ctx.template.sound_tags || [];
    if (!tags.length) {
      this.ctx.message('this group names no sound tags', 'warn');
      return;
    }
    const n = this.segs.indexOf(seg) + 1;
    this.picker.show({
      title: `background sounds of #${n} (${secs(seg.startS)}–${secs(seg.endS)} s)`,
      hint: 'key: tag on / off · Esc or n: close',
      rows: tags.map((t) => ({ text: t, on: seg.tags.includes(t), data: { tag: t } })),
      anchor: this.ctx.root.parentElement,
      onToggle: (i, on) => {
        const set = new Set(seg.tags);
        if (on) set.add(tags[i]);
        else set.delete(tags[i]);
        seg.tags = tags.filter((t) => set.has(t));
        this.edited(seg);
      },
      onDone: () => {},
    });
  }

  select(i) {
    if (!this.segs.length) return;
    this.sel = Math.max(0, Math.min(this.segs.length - 1, i));
    this.render();
  }

  remove(i) {
    const seg = this.segs[i];
    if (!seg) return;
    if (seg.pre) this.preDeleted += 1;
    this.segs.splice(i, 1);
    if (this.span && this.span.key === seg.key) this.span = null;
    this.sel = Math.min(i, this.segs.length - 1);
    this.picker.close();
    this.edited(null);
  }

  accept(seg) {
    if (seg.pre && seg.pre.state === 'pending') {
      seg.pre.state = 'accepted';
      this.render();
      this.ctx.changed();
    }
  }

  // The field of SEG was left: what was selected in it stays linkable.
  leftField(seg, input) {
    const [a, b] = [input.selectionStart, input.selectionEnd];
    if (a !== null && b > a) {
      this.span = { key: seg.key, start: codePoints(seg.text, a), end: codePoints(seg.text, b),
        text: seg.text.slice(a, b) };
    } else if (this.span && this.span.key === seg.key) {
      this.span = null;
    }
    this.render();
    this.ctx.changed();
  }

  // ------------------------------------------------------------ views

  render() {
    if (!this.loaded) return;
    renderHead(this);
    const keep = new Set(this.segs.map((s) => s.key));
    for (const [key, row] of this.rows) {
      if (!keep.has(key)) {
        row.li.remove();
        this.rows.delete(key);
      }
    }
    this.segs.forEach((seg, i) => {
      const row = this.rows.get(seg.key) || makeRow(this, seg);
      // Moved only when out of place: moving a row would blur its field.
      if (this.list.children[i] !== row.li) this.list.insertBefore(row.li, this.list.children[i] || null);
      renderRow(this, seg, row, i);
    });
    const cur = this.segs[this.sel];
    if (cur) scrollWithin(this.list, this.rows.get(cur.key).li);
    drawBars(this);
  }

  color(id) {
    const i = this.speakers.findIndex((x) => x.id === id);
    return i < 0 ? '#9aa4b2' : SPEAKER_COLORS[i % SPEAKER_COLORS.length];
  }

  // ------------------------------------------------------------ label

  ns(s) {
    const w = this.win;
    return Math.min(Math.max(Math.round(w.start_ns + s * 1e9), w.start_ns), w.end_ns);
  }

  given() {
    return this.segs.filter((s) => !s.pre || s.pre.state !== 'pending');
  }

  fill(label) {
    const segs = this.given();
    if (!segs.length && !this.speakers.length) return;
    label.speakers = this.speakers.map((s) => ({ speaker_id: s.id, name: s.name || '' }));
    label.transcript = segs.map((s) => ({
      start_ns: insideNs(this.win, s.ns ? s.ns[0] : this.ns(s.startS)),
      end_ns: insideNs(this.win, s.ns ? s.ns[1] : this.ns(s.endS)),
      source: s.source,
      text: s.text,
      speaker_id: s.speaker,
      emotion: s.emotion,
      sound_tags: [...s.tags],
      speaker_change: false,
    }));
  }

  count() {
    return this.given().length;
  }

  check() {
    const max = this.ctx.template.text_max_chars || 2000;
    const name = (s) => `transcript #${this.segs.indexOf(s) + 1} (${secs(s.startS)}–${secs(s.endS)} s)`;
    const segs = this.given();
    for (const s of segs) {
      if (!s.text.trim()) return `${name(s)}: type what was said, or delete it (Del)`;
      if (codePoints(s.text) > max) return `${name(s)}: at most ${max} characters`;
      const before = segs.filter((o) => o !== s && o.source === s.source && o.startS <= s.startS);
      const hit = before.find((o) => o.endS > s.startS);
      if (hit) return `${name(s)} overlaps ${name(hit)} on ${s.source}`;
    }
    if (this.pending) return 'transcript: a segment is still being marked (t ends it)';
    return '';
  }

  // Linkable things, in the order fill() writes them: segments (index in
  // label.transcript; -1 while a suggestion is pending), then speakers.
  linkables() {
    let i = 0;
    const out = this.segs.map((s, n) => {
      const pending = !!s.pre && s.pre.state === 'pending';
      return { key: s.key, target: 'transcript_segment', index: pending ? -1 : i++, pending, text: s.text,
        title: `#${n + 1} ${s.speaker || '?'} “${s.text}”`, short: `#${n + 1}` };
    });
    for (const s of this.speakers) {
      out.push({ key: `speaker:${s.id}`, target: 'speaker_id', id: s.id,
        title: `speaker ${s.id}${s.name ? ` (${s.name})` : ''}` });
    }
    return out;
  }

  // The text last selected in a segment's field, if it still reads the
  // same: {key, start, end (code points), text}.
  textSpan() {
    const sp = this.span;
    const seg = sp && this.segs.find((s) => s.key === sp.key);
    if (!seg || [...seg.text].slice(sp.start, sp.end).join('') !== sp.text) return null;
    return sp;
  }

  acceptPre() {
    if (this.locked || !acceptPending(this.segs)) return;
    this.render();
    this.ctx.changed();
  }

  preStats() {
    return preUse(this.segs, this.preOffered, this.preDeleted);
  }

  lock(locked) {
    this.locked = locked;
    if (locked) this.picker.close();
    for (const row of this.rows.values()) row.input.disabled = locked;
  }

  // Gaining the focus, the section scrolls into the panel's view.
  focus(on) {
    const section = this.ctx.root.parentElement;
    if (on) scrollWithin(section.parentElement, section);
  }
}

// Captions: free text describing the window, or the moment of it around
// where the caption was made. `c` adds one and puts the cursor in its text
// (the window keeps playing); Esc leaves the text. A caption describes the
// whole window until its "moment" button (or Shift+C) narrows it to the
// playhead at its `c` +-0.5 s. The count under each text shows its length
// against the template's caption_min_chars and text_max_chars.

import { editorStyle } from '../editors.js';
import { ItemEditor, codePoints, hintLine, momentText, smallButton, toS, toggleMoment } from './spans.js';

editorStyle('captions');

export class CaptionsEditor extends ItemEditor {
  static kind = 'LABEL_KIND_CAPTIONS';
  static title = 'captions';

  constructor(ctx) {
    super(ctx, 'captions', 'caption');
    this.min = 0;
    this.max = 0;
    this.empty.textContent = 'no captions: press c to write one';
    ctx.root.append(
      hintLine([['c', 'new'], ['Escape', 'done'], ['C', 'moment'], [['ArrowUp', 'ArrowDown', 'Delete'], '']]),
      this.box);

    const ready = () => !!this.task && !this.locked;
    ctx.keys.add({ keys: ['c'], label: 'caption: add one and type it', when: ready,
      run: () => this.create() });
    ctx.keys.add({ keys: ['C'], label: 'caption: the selected one describes the whole window / its moment',
      when: () => ready() && this.sel >= 0, run: () => this.moment(this.sel) });
    this.bindListKeys();

    if (window.ringside) {
      (window.ringside.editors ||= {}).captions = {
        state: () => ({
          selected: this.sel,
          position: ctx.player.position(),
          items: this.items.map((it) => ({ ...it.v, at: it.at, pre: it.pre ? it.pre.state : null })),
        }),
      };
    }
  }

  loaded() {
    const t = this.task.template;
    this.min = t.caption_min_chars || 0;
    this.max = t.text_max_chars || 0;
    for (const it of this.items) {
      if (!Number.isFinite(it.at) && it.v.end_ns) it.at = toS(this.player, (it.v.start_ns + it.v.end_ns) / 2);
    }
  }

  fromPre(x) {
    return { text: x.text || '', start_ns: x.start_ns || 0, end_ns: x.end_ns || 0,
      sources: [...(x.sources || [])] };
  }

  toLabel(v) {
    return { text: v.text, start_ns: v.start_ns, end_ns: v.end_ns, sources: [...v.sources] };
  }

  // '' or why caption I cannot go.
  why(it, i) {
    const n = codePoints(it.v.text.trim());
    const name = `caption ${i + 1}`;
    if (!n) return `${name} is empty: write it or delete it (Del)`;
    if (n < this.min) return `${name} is too short: ${n} of at least ${this.min} characters`;
    if (this.max && codePoints(it.v.text) > this.max) {
      return `${name} is too long: ${codePoints(it.v.text)} of at most ${this.max} characters`;
    }
    return '';
  }

  check() {
    for (let i = 0; i < this.items.length; i++) {
      const it = this.items[i];
      if (this.pending(it)) continue;
      const why = this.why(it, i);
      if (why) return why;
    }
    return '';
  }

  create() {
    const i = this.add({ text: '', start_ns: 0, end_ns: 0, sources: [] });
    this.items[i].at = this.player.position();
    this.takeFocus();
    this.rows[i].querySelector('textarea').focus();
  }

  moment(i) {
    const it = this.items[i];
    if (!it || this.locked) return;
    toggleMoment(this.player, it);
    this.edited(i);
  }

  row(it, i, li) {
    li.classList.add('text-item');
    const head = document.createElement('div');
    head.className = 'item-head';
    const name = document.createElement('span');
    name.className = 'item-name';
    const moment = smallButton('', 'describes the whole window, or the moment where it was made ' +
      '(±0.5 s; Shift+C)', () => this.moment(this.rows.indexOf(li)));
    moment.classList.add('moment');
    const count = document.createElement('span');
    count.className = 'item-count';
    const del = smallButton('×', 'delete this caption (Del)', () => this.remove(this.rows.indexOf(li)));
    head.append(name, moment, count, del);
    const text = document.createElement('textarea');
    text.className = 'item-text';
    text.rows = 2;
    text.placeholder = 'what happens in this window…';
    text.setAttribute('aria-label', 'caption text');
    text.value = it.v.text;
    text.addEventListener('focus', () => {
      this.select(this.rows.indexOf(li));
      this.takeFocus();
    });
    text.addEventListener('input', () => {
      const at = this.rows.indexOf(li);
      this.items[at].v.text = text.value;
      this.edited(at);
    });
    li.append(head, text);
  }

  update(it, i, li) {
    const name = li.querySelector('.item-name');
    const moment = li.querySelector('.moment');
    const count = li.querySelector('.item-count');
    const text = li.querySelector('textarea');
    name.textContent = `#${i + 1}`;
    name.title = `caption ${i + 1}`;
    moment.textContent = momentText(this.player, it.v);
    const n = codePoints(it.v.text.trim());
    const total = codePoints(it.v.text);
    count.textContent = `${n} / ${this.min}${this.max ? `–${this.max}` : '+'}`;
    count.classList.toggle('short', n < this.min);
    count.classList.toggle('long', !!this.max && total > this.max);
    count.title = `${n} characters (without surrounding spaces); at least ${this.min}` +
      (this.max ? `, at most ${this.max}` : '');
    if (text.value !== it.v.text) text.value = it.v.text;
  }
}

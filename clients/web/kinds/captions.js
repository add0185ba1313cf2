// Captions: free text describing the window, or the moment of it around
// where the caption was made. `c` adds one and puts the cursor in its text
// (the window keeps playing); Esc leaves the text. A caption describes the
// whole window until its "moment" button (or Shift+C) narrows it to the
// playhead at its `c` +-0.5 s. The count under each text shows its length
// against the template's caption_min_chars and text_max_chars.

import { editorStyle } from '../editors.js';
import { codePoints, hintLine, momentText } from './spans.js';
import { TextItemEditor } from './text_items.js';

editorStyle('captions');

export class CaptionsEditor extends TextItemEditor {
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
    super.loaded();
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

  create() {
    this.addAndWrite({ text: '', start_ns: 0, end_ns: 0, sources: [] }, 'textarea');
  }

  row(it, i, li) {
    this.rowHead(li, 'describes the whole window, or the moment where it was made (±0.5 s; Shift+C)',
      'delete this caption (Del)');
    const text = this.textField(li, 'text', { className: 'item-text',
      placeholder: 'what happens in this window…', label: 'caption text' });
    text.value = it.v.text;
    li.append(text);
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

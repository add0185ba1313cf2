// Instruction/response pairs about the window (multimodal instruction
// data). `i` adds a pair and puts the cursor in the instruction; Tab goes
// on to the response and the source boxes (the browser's own Tab inside
// fields), Esc leaves them. A pair refers to at least one source: by
// default every video and audio source of the window. Like a caption it is
// about the whole window until its "moment" button (or Shift+I) narrows it
// to the playhead at its `i` +-0.5 s.

import { editorStyle } from '../editors.js';
import { codePoints, hintLine, momentText } from './spans.js';
import { TextItemEditor } from './text_items.js';

editorStyle('instructions');

const KIND_VIDEO = 1;
const KIND_AUDIO = 2;

export class InstructionsEditor extends TextItemEditor {
  static kind = 'LABEL_KIND_INSTRUCTIONS';
  static title = 'instructions';

  constructor(ctx) {
    super(ctx, 'instructions', 'instruction');
    this.max = 0;
    this.empty.textContent = 'no instructions: press i to write one with its response';
    ctx.root.append(
      hintLine([['i', 'new'], ['Tab', 'next field'], ['Escape', 'done'], ['I', 'moment']]),
      this.box);

    const ready = () => !!this.task && !this.locked;
    ctx.keys.add({ keys: ['i'], label: 'instruction: add a pair and type the instruction', when: ready,
      run: () => this.create() });
    ctx.keys.add({ keys: ['I'], label: 'instruction: the selected pair: whole window / its moment',
      when: () => ready() && this.sel >= 0, run: () => this.moment(this.sel) });
    this.bindListKeys();

    if (window.ringside) {
      (window.ringside.editors ||= {}).instructions = {
        state: () => ({
          selected: this.sel,
          position: ctx.player.position(),
          items: this.items.map((it) => ({ ...it.v, pre: it.pre ? it.pre.state : null })),
        }),
      };
    }
  }

  loaded() {
    this.max = this.task.template.text_max_chars || 0;
    super.loaded();
  }

  // Every video and audio source of the window, or every source when it
  // has neither.
  defaultSources() {
    const all = this.win.sources;
    const av = all.filter((s) => s.kind === KIND_VIDEO || s.kind === KIND_AUDIO);
    return (av.length ? av : all).map((s) => s.source);
  }

  fromPre(x) {
    return { instruction: x.instruction || '', response: x.response || '',
      sources: [...(x.sources || [])], start_ns: x.start_ns || 0, end_ns: x.end_ns || 0 };
  }

  toLabel(v) {
    return { instruction: v.instruction, response: v.response, sources: [...v.sources],
      start_ns: v.start_ns, end_ns: v.end_ns };
  }

  // '' or why pair I cannot go.
  why(it, i) {
    const name = `instruction ${i + 1}`;
    const v = it.v;
    if (!v.instruction.trim()) return `${name} is empty: write it or delete the pair (Del)`;
    if (!v.response.trim()) return `${name} has no response`;
    if (!v.sources.length) return `${name} refers to no source: tick at least one`;
    for (const [field, text] of [['instruction', v.instruction], ['response', v.response]]) {
      const n = codePoints(text);
      if (this.max && n > this.max) {
        return `${name}: the ${field} is too long (${n} of at most ${this.max} characters)`;
      }
    }
    return '';
  }

  create() {
    this.addAndWrite({ instruction: '', response: '', sources: this.defaultSources(),
      start_ns: 0, end_ns: 0 }, 'textarea.instruction');
  }

  text(li, field, placeholder) {
    return this.textField(li, field, { className: `item-text ${field}`, placeholder, label: field });
  }

  row(it, i, li) {
    this.rowHead(li, 'about the whole window, or the moment where it was made (±0.5 s; Shift+I)',
      'delete this pair (Del)');
    const ins = this.text(li, 'instruction', 'instruction: ask about what is seen or heard…');
    const res = this.text(li, 'response', 'response…');
    const boxes = document.createElement('div');
    boxes.className = 'item-sources-pick';
    boxes.append('refers to:');
    for (const src of this.win.sources) {
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.value = src.source;
      box.addEventListener('change', () => {
        const at = this.rows.indexOf(li);
        const v = this.items[at].v;
        const on = new Set([...li.querySelectorAll('input[type=checkbox]')]
          .filter((b) => b.checked).map((b) => b.value));
        // In the window's order, so that equal choices compare equal.
        v.sources = this.win.sources.map((s) => s.source).filter((s) => on.has(s));
        this.edited(at);
      });
      box.addEventListener('focus', () => this.select(this.rows.indexOf(li)));
      label.append(box, ` ${src.source}`);
      boxes.append(label);
    }
    li.append(ins, res, boxes);
  }

  update(it, i, li) {
    li.querySelector('.item-name').textContent = `#${i + 1}`;
    li.querySelector('.item-name').title = `instruction ${i + 1}`;
    li.querySelector('.moment').textContent = momentText(this.player, it.v);
    const ins = li.querySelector('textarea.instruction');
    const res = li.querySelector('textarea.response');
    if (ins.value !== it.v.instruction) ins.value = it.v.instruction;
    if (res.value !== it.v.response) res.value = it.v.response;
    for (const b of li.querySelectorAll('input[type=checkbox]')) b.checked = it.v.sources.includes(b.value);
    const a = codePoints(it.v.instruction);
    const b = codePoints(it.v.response);
    const count = li.querySelector('.item-count');
    count.textContent = this.max ? `${a}+${b} / ${this.max}` : `${a}+${b}`;
    count.classList.toggle('short', !it.v.instruction.trim() || !it.v.response.trim());
    count.classList.toggle('long', !!this.max && (a > this.max || b > this.max));
    count.title = 'characters in the instruction + the response';
    li.classList.toggle('no-source', !it.v.sources.length);
  }
}

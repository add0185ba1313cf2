// What the editors of classed spans share (events, sensor segments): a
// span marked at the playhead with one key pressed twice while the window
// plays, a class from the template's list (a digit or a chip sets it), and
// a list row and a bar that show class, span and where it was seen.

import { ItemEditor, SpanMarker, classColor, spanText, toS } from './spans.js';

// A subclass implements fromSpan(span) -> v, the reviewer's new item on
// the span {start_ns, end_ns} just marked, and whereText(v), what the
// item is about ("audio only: mic", "imu: ay").
export class ClassSpanEditor extends ItemEditor {
  constructor(ctx, field, noun) {
    super(ctx, field, noun);
    this.classes = [];
    this.marker = new SpanMarker(ctx.player);
    this.offRender = null;
    this.chips = document.createElement('div');
    this.chips.className = 'item-classes';
    this.status = document.createElement('p');
    this.status.className = 'item-status';
  }

  // The task's classes for this kind: OWN (the kind's list in the
  // template) or else the window classes; a chip for each, and the span
  // being marked drawn again every frame.
  loadClasses(own) {
    this.classes = own && own.length ? [...own] : [...this.task.template.classes];
    this.marker.cancel();
    this.offRender = this.player.onRender(() => {
      if (this.marker.active) this.draw();
    });
    this.chips.replaceChildren(...this.classes.map((name, i) => {
      const chip = document.createElement('button');
      chip.type = 'button';
      chip.tabIndex = -1;
      chip.className = 'item-class';
      chip.style.setProperty('--bar', classColor(i));
      const kbd = document.createElement('kbd');
      kbd.textContent = i < 9 ? String(i + 1) : '';
      chip.append(kbd, ` ${name}`);
      chip.addEventListener('mousedown', (ev) => ev.preventDefault());
      chip.addEventListener('click', () => this.setClass(i));
      return chip;
    }));
  }

  cleared() {
    this.marker.cancel();
    if (this.offRender) this.offRender();
    this.offRender = null;
    this.chips.replaceChildren();
    this.status.textContent = '';
  }

  // First press: the start; second: the end, and the item is added with
  // the first class, selected, and the editor takes the focus.
  mark() {
    const span = this.marker.press();
    if (!span) {
      this.takeFocus();
      this.draw();
      return;
    }
    this.add(this.fromSpan(span));
    this.takeFocus();
  }

  stopMarking() {
    this.marker.cancel();
    this.draw();
  }

  digit(n) {
    if (this.locked || this.sel < 0 || n >= this.classes.length) return false;
    this.setClass(n);
    return true;
  }

  setClass(n) {
    if (this.locked || this.sel < 0 || n >= this.classes.length) return;
    this.items[this.sel].v.class = this.classes[n];
    this.edited(this.sel);
  }

  row(it, i, li) {
    for (const c of ['item-swatch', 'item-name', 'item-when', 'item-sources']) {
      const span = document.createElement('span');
      span.className = c;
      li.append(span);
    }
  }

  update(it, i, li) {
    const [swatch, cls, when, src] = li.children;
    swatch.style.background = classColor(this.classes.indexOf(it.v.class));
    cls.textContent = it.v.class || '(no class)';
    when.textContent = spanText(this.player, it.v.start_ns, it.v.end_ns);
    src.textContent = this.whereText(it.v);
  }

  // The chip of the selected item's class pressed; returns that item.
  drawChips() {
    const sel = this.items[this.sel];
    const ci = sel ? this.classes.indexOf(sel.v.class) : -1;
    [...this.chips.children].forEach((c, i) => c.setAttribute('aria-pressed', String(i === ci)));
    return sel;
  }

  // "selected: bang 0.32–0.61 s, audio only: mic" for the selected IT.
  selectedText(it) {
    return `selected: ${it.v.class} ${spanText(this.player, it.v.start_ns, it.v.end_ns)}, ` +
      this.whereText(it.v);
  }

  // The bar (SpanLayer.draw) of item IT, the I-th, tagged TEXT.
  bar(it, i, text) {
    return {
      key: i,
      startS: toS(this.player, it.v.start_ns),
      endS: toS(this.player, it.v.end_ns),
      text,
      title: `${it.v.class} ${spanText(this.player, it.v.start_ns, it.v.end_ns)} · ${this.whereText(it.v)}`,
      color: classColor(this.classes.indexOf(it.v.class)),
      selected: i === this.sel,
      pre: this.pending(it),
    };
  }
}

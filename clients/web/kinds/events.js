// Timed events: spans of the window with a class, seen or heard in some of
// its sources. `e` marks the start at the playhead and `e` again the end,
// while it plays; the new event is selected, digits set its class and `o`
// cycles its sources. Events are bars on the timeline and rows in the
// section; a model's events are dashed until taken.

import { editorStyle } from '../editors.js';
import { ItemEditor, SpanLayer, SpanMarker, classColor, escapeFree, hintLine, sourcesText,
  spanText, toS } from './spans.js';

editorStyle('events');

export class EventsEditor extends ItemEditor {
  static kind = 'LABEL_KIND_EVENTS';
  static title = 'events';

  constructor(ctx) {
    super(ctx, 'events', 'event');
    this.classes = [];
    this.marker = new SpanMarker(ctx.player);
    this.layer = null;
    this.offRender = null;

    this.chips = document.createElement('div');
    this.chips.className = 'item-classes';
    this.status = document.createElement('p');
    this.status.className = 'item-status';
    this.empty.textContent = 'no events: press e at the start and e at the end';
    ctx.root.append(this.chips,
      hintLine([['e', 'mark'], ['1–9', 'class'], ['o', 'sources'],
        [['ArrowUp', 'ArrowDown', 'Delete'], '']]),
      this.box, this.status);

    const ready = () => !!this.task && !this.locked;
    ctx.keys.add({ keys: ['e', 'E'], label: 'event: mark start, then end, at the playhead',
      when: ready, run: () => this.mark() });
    ctx.keys.add({ keys: ['o', 'O'], label: 'event: cycle the selected event\'s sources',
      when: () => ready() && this.sel >= 0, run: () => this.cycleSources() });
    ctx.keys.add({ keys: ['Escape'], label: 'event: stop marking',
      when: () => this.marker.active && escapeFree(),
      run: () => this.stopMarking() });
    this.bindListKeys();

    if (window.ringside) (window.ringside.editors ||= {}).events = {
      state: () => ({
        marking: this.marker.active,
        selected: this.sel,
        position: ctx.player.position(),
        playing: ctx.player.playing,
        clock: ctx.player.clock,
        items: this.items.map((it) => ({ ...it.v, pre: it.pre ? it.pre.state : null })),
      }),
    };
  }

  loaded() {
    const t = this.task.template;
    this.classes = t.event_classes && t.event_classes.length ? [...t.event_classes] : [...t.classes];
    this.marker.cancel();
    this.layer = new SpanLayer(this.player.timeline.el, 'events-bars', {
      onPick: (i) => {
        this.select(i);
        this.takeFocus();
      },
    });
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
    if (this.layer) this.layer.remove();
    this.layer = null;
    this.chips.replaceChildren();
    this.status.textContent = '';
  }

  fromPre(x) {
    if (!(x.end_ns > x.start_ns)) return null;
    return { start_ns: x.start_ns, end_ns: x.end_ns, class: x.class, sources: [...(x.sources || [])] };
  }

  toLabel(v) {
    return { start_ns: v.start_ns, end_ns: v.end_ns, class: v.class, sources: [...v.sources] };
  }

  check() {
    if (this.marker.active) {
      return `an event is being marked from ${this.marker.startS.toFixed(2)} s: press e to end it or Esc`;
    }
    return '';
  }

  // First press: the start; second: the end, and the event is added with
  // the first class, selected, and the editor takes the focus.
  mark() {
    const span = this.marker.press();
    if (!span) {
      this.takeFocus();
      this.draw();
      return;
    }
    this.add({ ...span, class: this.classes[0] || '', sources: [] });
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

  // all → each source of the window alone → all
  cycleSources() {
    const it = this.items[this.sel];
    if (!it || !this.win) return;
    const options = [[], ...this.win.sources.map((s) => [s.source])];
    const now = JSON.stringify(it.v.sources);
    const at = options.findIndex((o) => JSON.stringify(o) === now);
    it.v.sources = options[(at + 1) % options.length];
    this.edited(this.sel);
  }

  row(it, i, li) {
    const swatch = document.createElement('span');
    swatch.className = 'item-swatch';
    const cls = document.createElement('span');
    cls.className = 'item-name';
    const when = document.createElement('span');
    when.className = 'item-when';
    const src = document.createElement('span');
    src.className = 'item-sources';
    li.append(swatch, cls, when, src);
  }

  update(it, i, li) {
    const [swatch, cls, when, src] = li.children;
    const ci = this.classes.indexOf(it.v.class);
    swatch.style.background = classColor(ci);
    cls.textContent = it.v.class || '(no class)';
    when.textContent = spanText(this.player, it.v.start_ns, it.v.end_ns);
    src.textContent = sourcesText(this.win, it.v.sources);
  }

  draw() {
    const sel = this.items[this.sel];
    const ci = sel ? this.classes.indexOf(sel.v.class) : -1;
    [...this.chips.children].forEach((c, i) => c.setAttribute('aria-pressed', String(i === ci)));
    const live = this.marker.live();
    this.status.textContent = live
      ? `marking from ${this.marker.startS.toFixed(2)} s… e ends, Esc stops`
      : sel ? `selected: ${sel.v.class} ${spanText(this.player, sel.v.start_ns, sel.v.end_ns)}, ` +
        `${sourcesText(this.win, sel.v.sources)}` : '';
    if (!this.layer) return;
    const bars = this.items.map((it, i) => ({
      key: i,
      startS: toS(this.player, it.v.start_ns),
      endS: toS(this.player, it.v.end_ns),
      text: it.v.class,
      title: `${it.v.class} ${spanText(this.player, it.v.start_ns, it.v.end_ns)} · ` +
        sourcesText(this.win, it.v.sources),
      color: classColor(this.classes.indexOf(it.v.class)),
      selected: i === this.sel,
      pre: this.pending(it),
    }));
    if (live) bars.push({ ...live, text: 'marking…', color: '#ffffff', live: true });
    this.layer.draw(bars, this.player.durationS);
  }
}

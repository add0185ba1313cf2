// Timed events: spans of the window with a class, seen or heard in some of
// its sources. `e` marks the start at the playhead and `e` again the end,
// while it plays; the new event is selected, digits set its class and `o`
// cycles its sources. Events are bars on the timeline and rows in the
// section; a model's events are dashed until taken.

import { editorStyle } from '../editors.js';
import { ClassSpanEditor } from './class_spans.js';
import { SpanLayer, escapeFree, hintLine, sourcesText } from './spans.js';

editorStyle('events');

export class EventsEditor extends ClassSpanEditor {
  static kind = 'LABEL_KIND_EVENTS';
  static title = 'events';

  constructor(ctx) {
    super(ctx, 'events', 'event');
    this.layer = null;
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
    this.loadClasses(this.task.template.event_classes);
    this.layer = new SpanLayer(this.player.timeline.el, 'events-bars', {
      onPick: (i) => {
        this.select(i);
        this.takeFocus();
      },
    });
  }

  cleared() {
    super.cleared();
    if (this.layer) this.layer.remove();
    this.layer = null;
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

  fromSpan(span) {
    return { ...span, class: this.classes[0] || '', sources: [] };
  }

  whereText(v) {
    return sourcesText(this.win, v.sources);
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

  draw() {
    const sel = this.drawChips();
    const live = this.marker.live();
    this.status.textContent = live
      ? `marking from ${this.marker.startS.toFixed(2)} s… e ends, Esc stops`
      : sel ? this.selectedText(sel) : '';
    if (!this.layer) return;
    const bars = this.items.map((it, i) => this.bar(it, i, it.v.class));
    if (live) bars.push({ ...live, text: 'marking…', color: '#ffffff', live: true });
    this.layer.draw(bars, this.player.durationS);
  }
}

// The label editors of a task: one per kind its template names, in the
// template's order, each in its own section of the side panel. The host
// gives keys 1-9 and the arrows to the focused editor (Tab moves the
// focus), collects the label from all of them, keeps the draft, and counts
// how the model's pre-annotations were used.
//
// An editor (clients/web/kinds/*.js) is a class with:
//   static kind      the LabelKind name it edits, e.g. 'LABEL_KIND_EVENTS'
//   static title     section heading, e.g. 'events'
//   constructor(ctx) ctx: {
//       root      its <section> in the panel (empty; the editor fills it)
//       player    the Player: position(), seek(s), play(), pause(), toggle(),
//                 playing, durationS, startNs, endNs, win, frameTimes(source),
//                 videoFigure(source), sensorPlot(source), timeline,
//                 onRender(fn(pos)), redraw()
//       keys      the Keymap: add bindings in the constructor; use when()
//                 with focused() for keys that only apply to this editor
//       focused() true while this editor has the focus
//       takeFocus() gives this editor the focus (it just made an item)
//       peers()   the other editors of this label, {kind name: editor}; an
//                 editor whose items can be linked (entities) has
//                 linkables() (see kinds/entities.js), one with text
//                 textSpan()
//       changed() call after every edit (saves the draft, updates counts)
//       message(text, kind) a one-line note for the reviewer ('warn', 'error')
//       template  the task's LabelTemplate (set before load)
//     }
//   load(task, draft, pre)  a task is shown. DRAFT is what save() returned
//                 for this window earlier (reconnect, reload) or null. PRE is
//                 the window's pre-annotations ([{model, model_version,
//                 label}]); show this kind's items distinctly (model, version,
//                 confidence) until accepted, edited or deleted.
//   unload()      the task is gone: clear the section and any overlays
//   save()        JSON-able state to restore with load(..., draft)
//   fill(label)   writes this kind's fields into LABEL (schema field names,
//                 e.g. label.events = [...]); times are UNIX ns numbers
//                 inside [window.start_ns, window.end_ns)
//   count()       items the reviewer gives (pending pre-annotations excluded)
//   check()       '' or why the label cannot be sent yet (e.g. a caption
//                 shorter than caption_min_chars), naming the item
//   acceptPre()   every pending pre-annotation of this kind becomes the
//                 reviewer's, unchanged
//   preStats()    {offered, accepted, changed, deleted}: items of this kind
//                 in the pre-annotations; accepted = kept as they were,
//                 changed = kept edited, deleted = removed (pending ones are
//                 in offered only)
//   lock(locked)  while a label is sending nothing may change
//   focus(on)     the editor gained or lost the focus
// Optional: digit(n) for keys 1-9 while focused (n = 0..8), returns true
// when used; peersChanged(kind) after another editor's edit; linkables()
// and textSpan() for editors whose items entities can link.

// Loads an editor's own stylesheet (kinds/NAME.css) once.
export function editorStyle(name) {
  const href = `kinds/${name}.css`;
  if (document.querySelector(`link[href="${href}"]`)) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  document.head.append(link);
}

export const KIND_ORDER = ['LABEL_KIND_CLASSES', 'LABEL_KIND_EVENTS', 'LABEL_KIND_CAPTIONS',
  'LABEL_KIND_TRANSCRIPT', 'LABEL_KIND_TRACKS', 'LABEL_KIND_ENTITIES',
  'LABEL_KIND_SENSOR_SEGMENTS', 'LABEL_KIND_INSTRUCTIONS'];

// protobufjs gives enums as numbers; the template may name them either way.
export function kindName(k) {
  return typeof k === 'number' ? KIND_ORDER[k - 1] || 'LABEL_KIND_UNSPECIFIED' : k;
}

export class Editors {
  // CLASSES: {kind name -> editor class}. HOST: the panel element the
  // sections go in. CTX: the parts of every editor's ctx the host does not
  // make itself (player, keys, message), and changed() for the app.
  constructor(classes, host, ctx) {
    this.classes = classes;
    this.host = host;
    this.ctx = ctx;
    this.list = []; // {kind, editor, section}
    this.focusIndex = 0;
    this.templateKey = '';
  }

  // Builds the editors for TEMPLATE's kinds, reusing them when the kinds
  // are the same as the last task's (no layout jump between windows).
  build(template) {
    const kinds = (template.kinds && template.kinds.length ? template.kinds : [1]).map(kindName);
    const key = kinds.join(',');
    if (key === this.templateKey) {
      for (const e of this.list) e.ctx.template = template;
      return;
    }
    for (const e of this.list) {
      e.editor.unload();
      for (const off of e.unbind) off();
      e.section.remove();
    }
    this.list = [];
    this.templateKey = key;
    for (const kind of kinds) {
      const Cls = this.classes[kind];
      if (!Cls) continue;
      const section = document.createElement('section');
      section.className = 'editor';
      section.dataset.kind = kind;
      const h = document.createElement('h2');
      h.textContent = Cls.title || kind;
      const root = document.createElement('div');
      root.className = 'editor-body';
      section.append(h, root);
      this.host.append(section);
      const entry = { kind, section, unbind: [] };
      const keys = {
        add: (b) => {
          const off = this.ctx.keys.add({ section: Cls.title || kind, priority: 1, ...b });
          entry.unbind.push(off);
          return off;
        },
      };
      entry.ctx = {
        ...this.ctx,
        root,
        keys,
        template,
        focused: () => this.list[this.focusIndex] === entry,
        takeFocus: () => this.focus(this.list.indexOf(entry)),
        peers: () => Object.fromEntries(this.list.filter((e) => e !== entry).map((e) => [e.kind, e.editor])),
        changed: () => {
          for (const e of this.list) if (e !== entry && e.editor.peersChanged) e.editor.peersChanged(entry.kind);
          this.ctx.changed();
        },
      };
      entry.editor = new Cls(entry.ctx);
      section.addEventListener('pointerdown', () => this.focus(this.list.indexOf(entry)));
      this.list.push(entry);
    }
    this.focus(0);
  }

  focus(i) {
    if (!this.list.length) return;
    const next = ((i % this.list.length) + this.list.length) % this.list.length;
    this.list.forEach((e, j) => {
      const on = j === next;
      e.section.classList.toggle('focused', on);
      if (on !== (j === this.focusIndex) || on) e.editor.focus(on);
    });
    this.focusIndex = next;
  }

  cycle(step) {
    this.focus(this.focusIndex + step);
  }

  focusedKind() {
    const e = this.list[this.focusIndex];
    return e ? e.kind : null;
  }

  load(task, drafts) {
    const pre = (task.window.preannotations || []).filter((p) => p && p.label);
    for (const e of this.list) e.editor.load(task, drafts ? drafts[e.kind] || null : null, pre);
    this.focus(0);
  }

  unload() {
    for (const e of this.list) e.editor.unload();
  }

  save() {
    const out = {};
    for (const e of this.list) out[e.kind] = e.editor.save();
    return out;
  }

  digit(n) {
    const e = this.list[this.focusIndex];
    if (e && e.editor.digit && e.editor.digit(n)) return true;
    // Nothing focused takes digits: the window classes do, wherever they are.
    const cls = this.list.find((x) => x.kind === 'LABEL_KIND_CLASSES');
    return !!(cls && cls.editor.digit(n));
  }

  count() {
    return this.list.reduce((n, e) => n + e.editor.count(), 0);
  }

  // '' or the first reason the label cannot go yet.
  check() {
    for (const e of this.list) {
      const why = e.editor.check();
      if (why) return why;
    }
    if (this.list.some((e) => e.kind === 'LABEL_KIND_CLASSES')) {
      const cls = this.list.find((e) => e.kind === 'LABEL_KIND_CLASSES');
      if (!cls.editor.count()) return 'choose a class';
    } else if (!this.count()) {
      return 'nothing labeled yet';
    }
    return '';
  }

  fill(label) {
    for (const e of this.list) e.editor.fill(label);
  }

  acceptPre() {
    for (const e of this.list) e.editor.acceptPre();
  }

  preStats() {
    const s = { offered: 0, accepted: 0, changed: 0, deleted: 0 };
    for (const e of this.list) {
      const p = e.editor.preStats();
      for (const k of Object.keys(s)) s[k] += p[k] || 0;
    }
    return s;
  }

  lock(locked) {
    for (const e of this.list) e.editor.lock(locked);
  }
}

// Window classes: one class per window (or several, multi_label), keys 1-9.
// A model's classes show as suggestions (dashed, with its confidence)
// until accepted.

export class ClassesEditor {
  static kind = 'LABEL_KIND_CLASSES';
  static title = 'classes';

  constructor(ctx) {
    this.ctx = ctx;
    this.el = document.createElement('div');
    this.el.className = 'classes';
    this.el.setAttribute('role', 'group');
    this.el.setAttribute('aria-label', 'classes');
    ctx.root.append(this.el);
    this.classes = [];
    this.multi = false;
    this.selected = new Set();
    // class index -> {confidence, model, count}: COUNT pre-annotations
    // suggest it, and the daemon counts each of them as offered.
    this.suggested = new Map();
    this.preState = 'none'; // none | pending | accepted | changed | deleted
    this.locked = false;
    this.buttons = [];
  }

  load(task, draft, pre) {
    this.unload();
    const t = task.template;
    this.classes = [...t.classes];
    this.multi = !!t.multi_label;
    this.el.dataset.multi = this.multi ? 'yes' : 'no';
    for (const p of pre) {
      const conf = p.label.class_confidences || [];
      (p.label.classes || []).forEach((name, i) => {
        const idx = this.classes.indexOf(name);
        if (idx < 0) return;
        const s = this.suggested.get(idx);
        if (s) s.count += 1;
        else this.suggested.set(idx, { confidence: conf[i], model: `${p.model} ${p.model_version}`, count: 1 });
      });
    }
    this.preState = this.suggested.size ? 'pending' : 'none';
    this.buttons = this.classes.map((name, i) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'class';
      b.setAttribute('aria-pressed', 'false');
      const key = document.createElement('kbd');
      key.textContent = i < 9 ? String(i + 1) : '';
      const label = document.createElement('span');
      label.textContent = name;
      b.append(key, label);
      const s = this.suggested.get(i);
      if (s) {
        const badge = document.createElement('span');
        badge.className = 'pre-badge';
        badge.textContent = s.confidence ? s.confidence.toFixed(2) : 'model';
        badge.title = `suggested by ${s.model}`;
        b.append(badge);
      }
      // Keep focus off the button: Space and Enter belong to the page.
      b.addEventListener('mousedown', (ev) => ev.preventDefault());
      b.addEventListener('click', () => this.digit(i));
      this.el.append(b);
      return b;
    });
    if (draft) {
      for (const i of draft.selected || []) if (i < this.classes.length) this.selected.add(i);
      if (draft.preState) this.preState = draft.preState;
    }
    this.render();
  }

  unload() {
    this.el.replaceChildren();
    this.buttons = [];
    this.classes = [];
    this.selected.clear();
    this.suggested.clear();
    this.preState = 'none';
    this.locked = false;
  }

  save() {
    return { selected: [...this.selected], preState: this.preState };
  }

  // Key 1-9 or a click: single-label selects INDEX, multi-label toggles it.
  digit(index) {
    if (this.locked || index < 0 || index >= this.classes.length) return false;
    if (this.multi) {
      if (this.selected.has(index)) this.selected.delete(index);
      else this.selected.add(index);
    } else {
      this.selected.clear();
      this.selected.add(index);
    }
    if (this.preState !== 'none') this.preState = this.samePre() ? 'accepted' : 'changed';
    this.render();
    this.ctx.changed();
    return true;
  }

  samePre() {
    return this.selected.size === this.suggested.size
      && [...this.selected].every((i) => this.suggested.has(i));
  }

  render() {
    this.buttons.forEach((b, i) => {
      b.setAttribute('aria-pressed', String(this.selected.has(i)));
      b.classList.toggle('pre', this.preState === 'pending' && this.suggested.has(i));
    });
  }

  fill(label) {
    label.classes = this.classes.filter((_, i) => this.selected.has(i));
  }

  count() {
    return this.selected.size;
  }

  check() {
    return '';
  }

  acceptPre() {
    if (this.preState !== 'pending' || this.locked) return;
    this.selected = new Set(this.multi ? this.suggested.keys() : [...this.suggested.keys()].slice(0, 1));
    this.preState = this.samePre() ? 'accepted' : 'changed';
    this.render();
    this.ctx.changed();
  }

  // The models' classes count as one item per class of each
  // pre-annotation, as the daemon counts them: two models suggesting the
  // same class offer two items.
  preStats() {
    let offered = 0;
    for (const x of this.suggested.values()) offered += x.count;
    const s = { offered, accepted: 0, changed: 0, deleted: 0 };
    if (this.preState === 'accepted') s.accepted = offered;
    if (this.preState === 'changed') {
      for (const [i, x] of this.suggested) {
        if (this.selected.has(i)) s.accepted += x.count;
        else s.deleted += x.count;
      }
    }
    return s;
  }

  lock(locked) {
    this.locked = locked;
    for (const b of this.buttons) b.disabled = locked;
  }

  focus() {}
}

// What the reviewer answers: class buttons bound to keys 1-9, and the
// countdown bar of the task's time box.

export class ClassPicker {
  // onChange() is called whenever the selection changes.
  constructor(onChange) {
    this.el = document.getElementById('classes');
    this.onChange = onChange;
    this.classes = [];
    this.multi = false;
    this.selected = new Set();
    this.locked = false;
    this.buttons = [];
  }

  // Builds one button per class of TEMPLATE (ringside.v1.LabelTemplate).
  load(template) {
    this.clear();
    this.classes = [...template.classes];
    this.multi = !!template.multi_label;
    this.el.dataset.multi = this.multi ? 'yes' : 'no';
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
      // Keep focus off the button: Space and Enter belong to the page.
      b.addEventListener('mousedown', (ev) => ev.preventDefault());
      b.addEventListener('click', () => this.choose(i));
      this.el.append(b);
      return b;
    });
  }

  clear() {
    this.el.replaceChildren();
    this.buttons = [];
    this.classes = [];
    this.selected.clear();
    this.locked = false;
  }

  // Key 1-9 or a click: single-label selects INDEX, multi-label toggles it.
  // Returns false when there is no such class.
  choose(index) {
    if (this.locked || index < 0 || index >= this.classes.length) return false;
    if (this.multi) {
      if (this.selected.has(index)) this.selected.delete(index);
      else this.selected.add(index);
    } else {
      this.selected.clear();
      this.selected.add(index);
    }
    this.buttons.forEach((b, i) => b.setAttribute('aria-pressed', String(this.selected.has(i))));
    this.onChange();
    return true;
  }

  // Chosen class names in template order.
  chosen() {
    return this.classes.filter((_, i) => this.selected.has(i));
  }

  // While a label is sending the answer is fixed.
  lock(locked) {
    this.locked = locked;
    for (const b of this.buttons) b.disabled = locked;
  }
}

// The time box counting down on the client clock. Amber under 30 % left,
// red under 10 %.
export class Countdown {
  constructor() {
    this.el = document.getElementById('countdown');
    this.fill = document.getElementById('countdown-fill');
    this.secs = document.getElementById('countdown-secs');
    this.timer = null;
    this.endMs = 0;
    this.totalMs = 0;
  }

  // Counts down TOTAL_MS from FROM_MS (performance.now() time).
  start(totalMs, fromMs) {
    this.stop();
    this.totalMs = Math.max(1, totalMs);
    this.endMs = fromMs + totalMs;
    this.render();
    this.timer = setInterval(() => this.render(), 100);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.el.dataset.level = 'idle';
    this.fill.style.transform = 'scaleX(0)';
    this.secs.textContent = '–';
  }

  render() {
    const left = Math.max(0, this.endMs - performance.now());
    const frac = left / this.totalMs;
    this.fill.style.transform = `scaleX(${frac})`;
    this.secs.textContent = (left / 1000).toFixed(1);
    this.el.dataset.level = frac < 0.1 ? 'red' : frac < 0.3 ? 'amber' : 'ok';
  }
}

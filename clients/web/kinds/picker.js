// A small keyboard list floating next to an editor: every row has a key
// (1-9, then a-z) that toggles it; Enter takes the marked rows, Esc closes.
// While it is open a row's key, the arrows, Enter and Esc win over every
// other binding (priority 2); other keys keep their meaning, and playback
// goes on.
//
// Used by the transcript (sound tags) and the entities (link targets).

import { editorStyle } from '../editors.js';

editorStyle('picker');

export const PICK_KEYS = [...'123456789abcdefghijklmnopqrstuvwxyz'];

// Scrolls BOX alone (scrollIntoView would move the page too) so that EL,
// inside it, is in view; its top first when it is taller than BOX.
export function scrollWithin(box, el) {
  if (!box || !el) return;
  const r = el.getBoundingClientRect();
  const b = box.getBoundingClientRect();
  if (r.top < b.top || r.height > b.height) box.scrollTop -= b.top - r.top;
  else if (r.bottom > b.bottom) box.scrollTop += r.bottom - b.bottom;
}

export class Picker {
  // KEYS is the editor's ctx.keys; SECTION names the picker's keys in the
  // help list.
  constructor(keys, section) {
    this.rows = [];
    this.opts = null;
    this.cursor = 0;
    this.el = null; // on the page only while open
    const open = () => this.isOpen();
    const k = (list, run, when = open) => keys.add({ keys: list, label: 'the open list', run, when,
      priority: 2, hidden: true, section });
    // A key picks a row only when there is one: the others keep their
    // meaning (n closes the sound tags again).
    PICK_KEYS.forEach((key, i) => k([key], () => this.toggle(i), () => open() && i < this.rows.length));
    k(['ArrowDown', 'ArrowUp'], (ev) => this.move(ev.key === 'ArrowDown' ? 1 : -1));
    // Space stays play / pause unless rows are out of the keys' reach.
    k([' '], () => this.toggle(this.cursor), () => open() && this.rows.length > PICK_KEYS.length);
    k(['Enter'], () => this.done());
    k(['Escape'], () => this.close());
  }

  isOpen() {
    return !!this.el;
  }

  // OPTS: {title, hint, rows: [{group, text, note, on, off (cannot be
  // chosen), data: {attr: value}}], anchor (element it sits beside),
  // onToggle(i, on) (optional: applied at once), onDone(indices),
  // onClose()}.
  show(opts) {
    this.opts = opts;
    this.rows = opts.rows.map((r) => ({ ...r, on: !!r.on }));
    this.cursor = Math.max(0, this.rows.findIndex((r) => !r.off));
    if (!this.el) {
      this.el = document.createElement('div');
      this.el.className = 'picker';
      this.el.setAttribute('role', 'dialog');
      this.el.setAttribute('aria-label', opts.title);
      document.body.append(this.el);
    }
    this.render();
    this.place(opts.anchor);
  }

  // Left of ANCHOR (the side panel's editors), top-aligned with it, kept
  // on screen.
  place(anchor) {
    const r = anchor ? anchor.getBoundingClientRect() : { left: window.innerWidth, top: 80 };
    const w = this.el.offsetWidth;
    const h = this.el.offsetHeight;
    this.el.style.left = `${Math.max(8, r.left - w - 10)}px`;
    this.el.style.top = `${Math.max(8, Math.min(r.top, window.innerHeight - h - 8))}px`;
  }

  render() {
    const o = this.opts;
    this.el.replaceChildren();
    const title = document.createElement('h3');
    title.textContent = o.title;
    this.el.append(title);
    const list = document.createElement('ol');
    let group = null;
    this.rows.forEach((r, i) => {
      if (r.group && r.group !== group) {
        group = r.group;
        const g = document.createElement('li');
        g.className = 'picker-group';
        g.textContent = group;
        list.append(g);
      }
      const li = document.createElement('li');
      li.className = 'picker-row';
      li.classList.toggle('on', r.on);
      li.classList.toggle('off', !!r.off);
      li.classList.toggle('cursor', i === this.cursor);
      for (const [k, v] of Object.entries(r.data || {})) li.dataset[k] = v;
      const key = document.createElement('kbd');
      key.textContent = PICK_KEYS[i] || '';
      const text = document.createElement('span');
      text.className = 'picker-text';
      text.textContent = r.text;
      li.append(key, text);
      if (r.note) {
        const note = document.createElement('span');
        note.className = 'picker-note';
        note.textContent = r.note;
        li.append(note);
      }
      li.addEventListener('mousedown', (ev) => ev.preventDefault());
      li.addEventListener('click', () => this.toggle(i));
      list.append(li);
    });
    if (!this.rows.length) {
      const li = document.createElement('li');
      li.className = 'picker-empty';
      li.textContent = o.empty || 'nothing to choose';
      list.append(li);
    }
    this.el.append(list);
    const hint = document.createElement('p');
    hint.className = 'picker-hint';
    hint.textContent = o.hint || 'key: mark · Enter: take · Esc: close';
    this.el.append(hint);
    scrollWithin(list, list.querySelector('.cursor'));
  }

  toggle(i) {
    const r = this.rows[i];
    if (!r || r.off) return;
    r.on = !r.on;
    this.cursor = i;
    if (this.opts.onToggle) this.opts.onToggle(i, r.on);
    if (this.el) this.render();
  }

  move(step) {
    if (!this.el || !this.rows.length) return;
    this.cursor = (this.cursor + step + this.rows.length) % this.rows.length;
    this.render();
  }

  done() {
    const picked = this.rows.map((r, i) => (r.on ? i : -1)).filter((i) => i >= 0);
    const o = this.opts;
    this.close();
    if (o && o.onDone) o.onDone(picked);
  }

  close() {
    if (!this.el) return;
    const o = this.opts;
    this.el.remove();
    this.el = null;
    this.opts = null;
    this.rows = [];
    if (o && o.onClose) o.onClose();
  }
}

// What the editors of written items share (captions, instructions): an
// item is made at the playhead with the cursor in its first text field,
// describes the whole window until its "moment" button narrows it to the
// playhead where it was made (+-0.5 s), and its row has a head (number,
// moment, character count, delete) over its text fields.

import { ItemEditor, smallButton, toS, toggleMoment } from './spans.js';

// A subclass implements why(item, i): '' or why the reviewer's item I
// cannot be sent.
export class TextItemEditor extends ItemEditor {
  // An item from a draft or a model made without a key press here has
  // its moment in the middle of its span.
  loaded() {
    for (const it of this.items) {
      if (!Number.isFinite(it.at) && it.v.end_ns) it.at = toS(this.player, (it.v.start_ns + it.v.end_ns) / 2);
    }
  }

  check() {
    for (let i = 0; i < this.items.length; i++) {
      if (this.pending(this.items[i])) continue;
      const why = this.why(this.items[i], i);
      if (why) return why;
    }
    return '';
  }

  // Adds V made at the playhead and puts the cursor in its row's element
  // matching SELECTOR.
  addAndWrite(v, selector) {
    const i = this.add(v);
    this.items[i].at = this.player.position();
    this.takeFocus();
    this.rows[i].querySelector(selector).focus();
  }

  moment(i) {
    const it = this.items[i];
    if (!it || this.locked) return;
    toggleMoment(this.player, it);
    this.edited(i);
  }

  // The head of row LI, appended to it: .item-name, the .moment button
  // (MOMENT_TITLE), .item-count and delete (DELETE_TITLE).
  rowHead(li, momentTitle, deleteTitle) {
    li.classList.add('text-item');
    const head = document.createElement('div');
    head.className = 'item-head';
    const name = document.createElement('span');
    name.className = 'item-name';
    const moment = smallButton('', momentTitle, () => this.moment(this.rows.indexOf(li)));
    moment.classList.add('moment');
    const count = document.createElement('span');
    count.className = 'item-count';
    const del = smallButton('×', deleteTitle, () => this.remove(this.rows.indexOf(li)));
    head.append(name, moment, count, del);
    li.append(head);
  }

  // A text field of row LI that writes the item's FIELD as it is typed.
  textField(li, field, { className, placeholder, label }) {
    const t = document.createElement('textarea');
    t.className = className;
    t.rows = 2;
    t.placeholder = placeholder;
    t.setAttribute('aria-label', label);
    t.addEventListener('focus', () => {
      this.select(this.rows.indexOf(li));
      this.takeFocus();
    });
    t.addEventListener('input', () => {
      const at = this.rows.indexOf(li);
      this.items[at].v[field] = t.value;
      this.edited(at);
    });
    return t;
  }
}

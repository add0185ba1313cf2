// Entities: one thing in the world (a forklift, a person) named once and
// linked to everything in the label that shows or mentions it, across
// modalities: transcript segments (or words of them), speakers, events,
// tracks, sensor segments, captions.
//
// l makes an entity (its name gets the cursor; Enter opens the link list)
// or, with an entity selected, opens the link list: every linkable item of
// the other editors, one key each; mark some, Enter links them. Words
// selected in a transcript segment's (or caption's) field before pressing
// l are offered as a span of that text. u unlinks the selected mention.
//
// The other editors are found through ctx.peers() ({kind: editor}). One
// whose items can be linked has
//   linkables() -> [{key, target, index, id, pending, text, title, short}]
//     in the order its fill() writes them: KEY stays with the item for the
//     task's life (drafts included); TARGET is the Mention field ('event',
//     'transcript_segment', 'track_id', 'sensor_segment', 'speaker_id',
//     'caption'); INDEX its place in that label list (-1 while a pending
//     suggestion), or ID for track_id / speaker_id; TEXT for spans; TITLE
//     what the lists show (SHORT, optional, when a span names the item).
//   textSpan() (optional) -> {key, start, end, text}: the words last
//     selected in an item's text field, in code points, or null.
// A mention remembers its item's key: deleting an item drops the mentions
// of it (peersChanged), and the index is looked up when the label is made.
// A model's mentions find items by the keys "pre<P>.<label list>.<index>"
// (P: the pre-annotation's place in the window's list; tracks by track id)
// and "speaker:<id>".

import { editorStyle } from '../editors.js';
import { Picker, scrollWithin } from './picker.js';
import { acceptPending, hintLine, preUse } from './spans.js';
import { codePoints } from './transcript.js';
import { GROUPS, GROUP_OF, renderEntity } from './entities_view.js';

editorStyle('entities');

const MENTIONS_MAX = 64; // the daemon's caps (feedback/label.h)
const ENTITIES_MAX = 64;
const RANK = Object.fromEntries(GROUPS.map(([t], i) => [t, i]));
// Targets that are ids rather than indices.
const BY_ID = new Set(['track_id', 'speaker_id']);
// Label lists of the targets, for a model's mentions' keys.
const PRE_LISTS = { event: 'events', transcript_segment: 'transcript', sensor_segment: 'sensor_segments',
  caption: 'captions', track_id: 'tracks' };

export class EntitiesEditor {
  static kind = 'LABEL_KIND_ENTITIES';
  static title = 'entities';

  constructor(ctx) {
    this.ctx = ctx;
    this.el = document.createElement('div');
    this.el.className = 'entities';
    this.list = document.createElement('ol');
    this.list.className = 'en-list row-list';
    this.list.setAttribute('aria-label', 'entities');
    const hint = hintLine([['l', 'new / link'], ['L', 'new'], ['u', 'unlink'],
      [['ArrowUp', 'ArrowDown'], '']]);
    this.el.append(hint, this.list);
    ctx.root.append(this.el);
    this.picker = new Picker(ctx.keys, EntitiesEditor.title);
    this.reset();
    // For tests: what the editor holds.
    if (window.ringside) (window.ringside.editors ||= {}).entities = {
      state: () => ({ entities: this.ents, cur: this.cur, picking: this.picker.isOpen() }),
    };

    const k = (keys, label, run, when) => ctx.keys.add({ keys, label, run, when });
    const ready = () => this.loaded && !this.locked;
    const here = () => ready() && ctx.focused() && this.ents.length > 0;
    k(['l'], 'entity: new, or link items to the selected one', () => this.link(), ready);
    k(['L'], 'new entity', () => this.create(), ready);
    k(['u'], 'unlink the selected mention', () => this.unlink(), ready);
    k(['ArrowUp', 'ArrowDown'], 'select entity / mention',
      (ev) => this.move(ev.key === 'ArrowDown' ? 1 : -1), here);
    k(['Delete', 'Backspace'], 'delete the selected mention or entity', () => this.remove(), here);
  }

  reset() {
    this.loaded = false;
    this.locked = false;
    this.ents = []; // {key, name, mentions: [{key, target, start, end, text}], pre}
    this.cur = { e: -1, m: -1 }; // selected entity, and mention in it (-1: the entity)
    this.nextKey = 1;
    this.preOffered = 0;
    this.preDeleted = 0;
    this.rows = [];
  }

  load(task, draft, pre) {
    this.unload();
    if (draft) {
      this.ents = draft.ents || [];
      this.cur = draft.cur || { e: -1, m: -1 };
      this.nextKey = draft.nextKey || this.ents.length + 1;
      this.preOffered = draft.preOffered || 0;
      this.preDeleted = draft.preDeleted || 0;
    } else {
      this.loadPre(pre);
    }
    this.loaded = true;
    // The other editors load after or before this one: look at their items
    // once all have.
    queueMicrotask(() => this.peersChanged());
    this.render();
  }

  // A model's entities point into its own label by index; its items in the
  // other editors carry keys "pre<P>.<list>.<index or track id>".
  loadPre(pre) {
    pre.forEach((p, pi) => {
      (p.label.entities || []).forEach((e, j) => {
        this.preOffered += 1;
        const mentions = (e.mentions || []).map((m) => {
          const target = Object.keys(GROUP_OF).find((t) => m[t] !== undefined && m[t] !== null);
          if (!target) return null;
          const key = target === 'speaker_id' ? `speaker:${m.speaker_id}`
            : `pre${pi}.${PRE_LISTS[target]}.${m[target]}`;
          return { key, target, start: m.text_start || 0, end: m.text_end || 0, text: '' };
        }).filter(Boolean);
        this.ents.push({ key: `pre${pi}.entities.${j}`, name: e.name || '', mentions,
          pre: { state: 'pending', model: `${p.model} ${p.model_version}`.trim() } });
      });
    });
  }

  unload() {
    this.picker.close();
    this.list.replaceChildren();
    this.reset();
  }

  save() {
    return { ents: this.ents, cur: this.cur, nextKey: this.nextKey, preOffered: this.preOffered,
      preDeleted: this.preDeleted };
  }

  // ------------------------------------------------------------ peers

  // Every linkable item of the other editors: key -> item.
  lookup() {
    const out = new Map();
    const peers = this.ctx.peers ? this.ctx.peers() : {};
    for (const ed of Object.values(peers)) {
      if (ed === this || typeof ed.linkables !== 'function') continue;
      for (const it of ed.linkables() || []) if (it && it.key && GROUP_OF[it.target]) out.set(it.key, it);
    }
    return out;
  }

  spans(items) {
    const out = [];
    const peers = this.ctx.peers ? this.ctx.peers() : {};
    for (const ed of Object.values(peers)) {
      const sp = ed !== this && typeof ed.textSpan === 'function' ? ed.textSpan() : null;
      if (sp && items.has(sp.key) && sp.end > sp.start) out.push(sp);
    }
    return out;
  }

  // Another editor changed: mentions of items that are gone go, spans
  // follow their words when the text was edited around them.
  peersChanged() {
    if (!this.loaded) return;
    const items = this.lookup();
    const lost = [];
    for (const e of this.ents) {
      e.mentions = e.mentions.filter((m) => {
        const it = items.get(m.key);
        if (!it) {
          if (!e.pre || e.pre.state !== 'pending') lost.push(`${e.name || e.key}`);
          return false;
        }
        if (!m.end || !m.text) return true;
        const chars = [...(it.text || '')];
        if (chars.slice(m.start, m.end).join('') === m.text) return true;
        const at = (it.text || '').indexOf(m.text);
        if (at < 0) {
          lost.push(`“${m.text}” of ${e.name}`);
          return false;
        }
        m.start = codePoints(it.text, at);
        m.end = m.start + [...m.text].length;
        return true;
      });
    }
    this.clampCursor();
    this.render();
    if (lost.length) this.ctx.message(`unlinked (item gone or text changed): ${lost.join(', ')}`, 'warn');
  }

  // ------------------------------------------------------------ edits

  edited(e) {
    if (e && e.pre && e.pre.state !== 'changed') e.pre.state = 'changed';
    this.render();
    this.ctx.changed();
  }

  selected() {
    return this.ents[this.cur.e] || null;
  }

  link() {
    const e = this.selected();
    if (!e) this.create();
    else this.pick(e);
  }

  create() {
    if (this.ents.length >= ENTITIES_MAX) {
      this.ctx.message(`at most ${ENTITIES_MAX} entities`, 'warn');
      return;
    }
    if (this.ctx.takeFocus) this.ctx.takeFocus();
    const e = { key: `e${this.nextKey++}`, name: '', mentions: [], pre: null };
    this.ents.push(e);
    this.cur = { e: this.ents.length - 1, m: -1 };
    this.render();
    this.rows[this.cur.e].input.focus();
  }

  // The link list for entity E: spans first, then every item by modality.
  pick(e) {
    if (this.ctx.takeFocus) this.ctx.takeFocus();
    const items = this.lookup();
    const rows = [];
    const has = (m) => e.mentions.some((x) => x.key === m.key && x.start === m.start && x.end === m.end);
    for (const sp of this.spans(items)) {
      const it = items.get(sp.key);
      const m = { key: sp.key, target: it.target, start: sp.start, end: sp.end, text: sp.text };
      rows.push({ group: GROUP_OF[it.target], text: `“${sp.text}” in ${it.title}`,
        note: `chars ${sp.start}–${sp.end}`,
        off: has(m) || it.pending, m, data: { target: it.target, span: `${sp.start}-${sp.end}` } });
    }
    const sorted = [...items.values()].sort((a, b) => RANK[a.target] - RANK[b.target]);
    for (const it of sorted) {
      const m = { key: it.key, target: it.target, start: 0, end: 0, text: '' };
      rows.push({ group: GROUP_OF[it.target], text: it.title || it.key,
        note: it.pending ? 'suggestion: accept first' : has(m) ? 'linked' : '',
        off: has(m) || it.pending, m, data: { target: it.target, key: it.key } });
    }
    rows.sort((a, b) => RANK[a.m.target] - RANK[b.m.target]); // stable: spans stay first
    this.picker.show({
      title: `link to “${e.name}”`,
      hint: this.spans(items).length ? 'key: mark · Enter: link · Esc: close'
        : 'key: mark · Enter: link · Esc: close · to link words, select them in the text, Esc, l',
      empty: 'nothing to link yet: mark segments, events, tracks… first',
      rows,
      anchor: this.ctx.root.parentElement,
      onDone: (picked) => this.add(e, picked.map((i) => rows[i].m)),
    });
  }

  add(e, mentions) {
    if (!mentions.length) return;
    for (const m of mentions) {
      if (e.mentions.length >= MENTIONS_MAX) {
        this.ctx.message(`at most ${MENTIONS_MAX} mentions per entity`, 'warn');
        break;
      }
      // Kept in modality order, so the list reads the same as it is shown.
      let i = e.mentions.length;
      while (i > 0 && RANK[e.mentions[i - 1].target] > RANK[m.target]) i -= 1;
      e.mentions.splice(i, 0, m);
    }
    this.cur = { e: this.ents.indexOf(e), m: -1 };
    this.edited(e);
  }

  unlink() {
    const e = this.selected();
    if (!e || !e.mentions.length) {
      this.ctx.message('select an entity with a mention first (↑ ↓ in entities)', 'warn');
      return;
    }
    // On the entity's own row: the last link made goes.
    const i = this.cur.m >= 0 ? this.cur.m : e.mentions.length - 1;
    e.mentions.splice(i, 1);
    this.cur.m = Math.min(this.cur.m, e.mentions.length - 1);
    this.edited(e);
  }

  remove() {
    const e = this.selected();
    if (!e) return;
    if (this.cur.m >= 0) {
      this.unlink();
      return;
    }
    if (e.pre) this.preDeleted += 1;
    this.ents.splice(this.cur.e, 1);
    this.clampCursor();
    this.edited(null);
  }

  // Through the rows: an entity, then each of its mentions.
  move(step) {
    const flat = [];
    this.ents.forEach((e, i) => {
      flat.push({ e: i, m: -1 });
      e.mentions.forEach((_, j) => flat.push({ e: i, m: j }));
    });
    const at = flat.findIndex((r) => r.e === this.cur.e && r.m === this.cur.m);
    this.cur = flat[Math.max(0, Math.min(flat.length - 1, at + step))];
    this.render();
  }

  clampCursor() {
    if (!this.ents.length) this.cur = { e: -1, m: -1 };
    else {
      const e = Math.max(0, Math.min(this.cur.e, this.ents.length - 1));
      this.cur = { e, m: Math.min(this.cur.e === e ? this.cur.m : -1, this.ents[e].mentions.length - 1) };
    }
  }

  // Keys 1-9 while entities have the focus: select that entity.
  digit(n) {
    if (!this.loaded || n >= this.ents.length) return false;
    this.cur = { e: n, m: -1 };
    this.render();
    return true;
  }

  named(e, input, thenLink) {
    e.name = input.value.trim();
    if (!e.name && !e.mentions.length && !e.pre) {
      // l pressed and left unnamed: nothing was made.
      this.ents.splice(this.ents.indexOf(e), 1);
      this.clampCursor();
      this.render();
      this.ctx.changed();
      return;
    }
    this.edited(e);
    if (thenLink && e.name) this.pick(e);
  }

  // ------------------------------------------------------------ views

  render() {
    if (!this.loaded) return;
    const focusedName = this.rows.findIndex((r) => r.input === document.activeElement);
    if (focusedName >= 0) {
      // Typing a name: only the other rows' state may change; keep the field.
      this.rows.forEach((r, i) => r.li.classList.toggle('selected', i === this.cur.e));
      return;
    }
    const items = this.lookup();
    this.rows = this.ents.map((e, i) => renderEntity(this, e, i, items));
    this.list.replaceChildren(...this.rows.map((r) => r.li));
    scrollWithin(this.list, this.list.querySelector('.selected'));
  }

  // ------------------------------------------------------------ label

  given() {
    return this.ents.filter((e) => !e.pre || e.pre.state !== 'pending');
  }

  // MENTION as the schema has it, or null while its item is not in the
  // label (gone, or a suggestion not accepted).
  resolve(m, items) {
    const it = items.get(m.key);
    if (!it || it.pending) return null;
    const v = BY_ID.has(m.target) ? it.id : it.index;
    if (v === undefined || v === null || v === '' || v < 0) return null;
    const out = { [m.target]: v };
    if (m.end > m.start) {
      out.text_start = m.start;
      out.text_end = m.end;
    }
    return out;
  }

  fill(label) {
    const ents = this.given();
    if (!ents.length) return;
    const items = this.lookup();
    label.entities = ents.map((e) => ({
      entity_id: e.key,
      name: e.name,
      mentions: e.mentions.map((m) => this.resolve(m, items)).filter(Boolean),
    }));
  }

  count() {
    return this.given().length;
  }

  check() {
    const items = this.lookup();
    for (const e of this.given()) {
      const name = `entity ${this.ents.indexOf(e) + 1}${e.name ? ` “${e.name}”` : ''}`;
      if (!e.name.trim()) return `${name}: give it a name`;
      if (!e.mentions.some((m) => this.resolve(m, items))) {
        return `${name} links nothing: select it (↑ ↓), press l`;
      }
    }
    return '';
  }

  acceptOne(e) {
    if (this.locked || !e.pre || e.pre.state !== 'pending') return;
    e.pre.state = 'accepted';
    this.render();
    this.ctx.changed();
  }

  acceptPre() {
    if (this.locked || !acceptPending(this.ents)) return;
    this.render();
    this.ctx.changed();
  }

  preStats() {
    return preUse(this.ents, this.preOffered, this.preDeleted);
  }

  lock(locked) {
    this.locked = locked;
    if (locked) this.picker.close();
    for (const r of this.rows) r.input.disabled = locked;
  }

  // Gaining the focus, the section scrolls into the panel's view.
  focus(on) {
    const section = this.ctx.root.parentElement;
    if (on) scrollWithin(section.parentElement, section);
  }
}

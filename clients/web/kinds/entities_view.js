// What the entities editor (kinds/entities.js) draws: an entity's row, its
// name field over one line of mentions per modality.

// Modalities in the order the list and the link list show them.
export const GROUPS = [
  ['transcript_segment', 'speech'], ['speaker_id', 'speech'], ['event', 'events'],
  ['track_id', 'video'], ['sensor_segment', 'sensor'], ['caption', 'captions'],
];
export const GROUP_OF = Object.fromEntries(GROUPS);

// "“forklift” in #1", or the item's title; ITEMS: key -> linkable.
export function mentionText(m, items) {
  const it = items.get(m.key);
  if (!it) return m.key;
  return m.end ? `“${m.text}” in ${it.short || it.title}` : it.title || it.key;
}

// Entity E, the I-th, as a list row: {li, input (its name field)}.
export function renderEntity(ed, e, i, items) {
  const li = document.createElement('li');
  li.className = 'en-entity';
  li.dataset.key = e.key;
  li.classList.toggle('selected', i === ed.cur.e && ed.cur.m < 0);
  li.classList.toggle('current', i === ed.cur.e);
  li.classList.toggle('pre', !!e.pre && e.pre.state === 'pending');
  const head = document.createElement('div');
  head.className = 'en-head';
  const key = document.createElement('kbd');
  key.textContent = i < 9 ? String(i + 1) : '';
  const input = document.createElement('input');
  input.type = 'text';
  input.className = 'en-name';
  input.placeholder = 'name, then Enter';
  input.spellcheck = false;
  input.value = e.name;
  input.maxLength = 200;
  input.disabled = ed.locked;
  let thenLink = false;
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.ctrlKey) {
      ev.preventDefault();
      thenLink = !e.mentions.length;
      input.blur();
    }
  });
  input.addEventListener('focus', () => {
    ed.cur = { e: ed.ents.indexOf(e), m: -1 };
  });
  input.addEventListener('blur', () => ed.named(e, input, thenLink));
  const n = document.createElement('span');
  n.className = 'en-count';
  const links = e.mentions.length;
  n.textContent = links ? `${links} link${links > 1 ? 's' : ''}` : 'no link: l';
  head.append(key, input, n);
  if (e.pre && e.pre.state === 'pending') {
    const b = document.createElement('span');
    b.className = 'pre-badge';
    b.textContent = e.pre.model;
    b.title = `suggested by ${e.pre.model}: click here (or a for all) to accept, edit or delete it`;
    b.addEventListener('click', (ev) => {
      ev.stopPropagation();
      ed.acceptOne(e);
    });
    head.append(b);
  }
  head.addEventListener('click', () => {
    ed.cur = { e: i, m: -1 };
    ed.render();
  });
  li.append(head);
  // Mentions grouped by modality, one line per group.
  let line = null;
  let group = null;
  e.mentions.forEach((m, j) => {
    if (GROUP_OF[m.target] !== group) {
      group = GROUP_OF[m.target];
      line = document.createElement('div');
      line.className = 'en-group';
      line.dataset.group = group;
      const g = document.createElement('span');
      g.className = 'en-modality';
      g.textContent = group;
      line.append(g);
      li.append(line);
    }
    const chip = document.createElement('span');
    chip.className = 'en-mention';
    chip.dataset.target = m.target;
    chip.classList.toggle('selected', i === ed.cur.e && j === ed.cur.m);
    chip.textContent = mentionText(m, items);
    chip.title = chip.textContent;
    chip.addEventListener('click', (ev) => {
      ev.stopPropagation();
      ed.cur = { e: i, m: j };
      ed.render();
    });
    line.append(chip);
  });
  return { li, input };
}

// What the transcript editor (kinds/transcript.js) draws: the head line
// (source, speakers, the segment being marked), one row per segment with
// its details over its text field, and the bars on the timeline. Rows are
// kept while their segment lives, so a field keeps its focus and caret
// while the list changes.

export function secs(s) {
  return s.toFixed(2);
}

export function renderHead(ed) {
  const src = document.createElement('span');
  src.className = 'tx-source';
  src.title = 'T: next audio source';
  src.textContent = ed.sources.length ? `on ${ed.source}` : 'no audio source';
  const who = document.createElement('span');
  who.className = 'tx-speakers';
  ed.speakers.forEach((s, i) => {
    const chip = document.createElement('span');
    chip.className = 'tx-speaker';
    chip.dataset.speaker = s.id;
    chip.style.background = ed.color(s.id);
    chip.textContent = `${i < 9 ? `${i + 1}·` : ''}${s.id}${s.name ? ` ${s.name}` : ''}`;
    who.append(chip);
  });
  if (!ed.speakers.length) who.textContent = 'p: add a speaker';
  const mark = document.createElement('span');
  mark.className = 'tx-marking';
  mark.textContent = ed.pending ? `● from ${secs(ed.pending.startS)} s: t ends, Esc stops` : '';
  ed.head.replaceChildren(src, who, mark);
}

export function makeRow(ed, seg) {
  const li = document.createElement('li');
  li.dataset.key = seg.key;
  const meta = document.createElement('div');
  meta.className = 'tx-meta';
  const input = document.createElement('input');
  input.type = 'text';
  input.className = 'tx-text';
  input.placeholder = 'what was said (Enter: done)';
  input.spellcheck = false;
  input.value = seg.text;
  input.addEventListener('focus', () => {
    ed.sel = ed.segs.indexOf(seg);
    if (ed.ctx.takeFocus) ed.ctx.takeFocus();
    ed.render();
  });
  input.addEventListener('input', () => {
    seg.text = input.value;
    if (ed.span && ed.span.key === seg.key) ed.span = null;
    ed.edited(seg);
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.ctrlKey) {
      ev.preventDefault();
      input.blur();
    }
  });
  input.addEventListener('blur', () => ed.leftField(seg, input));
  meta.addEventListener('click', (ev) => {
    if (ev.target.classList.contains('pre-badge')) ed.accept(seg);
    else ed.select(ed.segs.indexOf(seg));
  });
  li.append(meta, input);
  const row = { li, meta, input };
  ed.rows.set(seg.key, row);
  return row;
}

export function renderRow(ed, seg, row, i) {
  const { li, meta, input } = row;
  li.className = 'tx-seg';
  li.classList.toggle('selected', i === ed.sel);
  li.classList.toggle('pre', !!seg.pre && seg.pre.state === 'pending');
  li.dataset.speaker = seg.speaker;
  const parts = [`#${i + 1}`, `${secs(seg.startS)}–${secs(seg.endS)} s`];
  if (ed.sources.length > 1) parts.push(seg.source);
  meta.replaceChildren(parts.join(' '));
  const chip = document.createElement('span');
  chip.className = 'tx-speaker';
  chip.style.background = ed.color(seg.speaker);
  chip.textContent = seg.speaker || '?';
  chip.title = seg.speaker ? `speaker ${seg.speaker}` : 'no speaker: press 1–9';
  meta.append(chip);
  if (seg.emotion) meta.append(Object.assign(document.createElement('span'),
    { className: 'tx-emotion', textContent: seg.emotion }));
  if (seg.tags.length) meta.append(Object.assign(document.createElement('span'),
    { className: 'tx-tags', textContent: `♪ ${seg.tags.join(', ')}` }));
  if (ed.span && ed.span.key === seg.key) meta.append(Object.assign(document.createElement('span'),
    { className: 'tx-span', textContent: `“${ed.span.text}”`, title: 'selected text: l links it' }));
  if (seg.pre && seg.pre.state === 'pending') {
    const b = document.createElement('span');
    b.className = 'pre-badge';
    const conf = seg.pre.confidence ? ` ${seg.pre.confidence.toFixed(2)}` : '';
    b.textContent = `${seg.pre.model}${conf}`;
    b.title = `suggested by ${seg.pre.model}${conf}: click here (or a for all) to accept, edit or delete it`;
    meta.append(b);
  }
  if (document.activeElement !== input) input.value = seg.text;
  input.maxLength = ed.ctx.template.text_max_chars || 2000;
  input.disabled = ed.locked;
}

// Bars on the timeline, one colour per speaker; the segment being marked
// grows with the playhead.
export function drawBars(ed) {
  if (!ed.layer) return;
  const bars = ed.segs.map((s, i) => ({
    key: i, startS: s.startS, endS: s.endS, text: s.speaker, color: ed.color(s.speaker),
    title: `#${i + 1} ${s.speaker || '?'}: ${s.text}`, selected: i === ed.sel,
    pre: !!s.pre && s.pre.state === 'pending',
  }));
  if (ed.pending) {
    const [a, b] = [ed.pending.startS, ed.ctx.player.position()];
    bars.push({ startS: Math.min(a, b), endS: Math.max(a, b), text: 'speech…', color: '#ffffff',
      live: true });
  }
  ed.layer.draw(bars, ed.durationS);
}

// Every drawn frame: the bar being marked follows the playhead, and the
// segment being heard is lit in the list.
export function follow(ed, pos) {
  if (ed.pending) drawBars(ed);
  for (const s of ed.segs) {
    const row = ed.rows.get(s.key);
    if (row) row.li.classList.toggle('now', pos >= s.startS && pos < s.endS);
  }
}

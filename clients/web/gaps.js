// Missing spans of a window's sources (SourceData.gaps, coverage): in
// seconds from the window start, as text, and as hatched blocks that the
// timeline, the sensor plots and the videos draw.

// SRC.gaps as [{startS, endS}] in seconds from START_NS, clipped to
// [0, DURATION_S] and in time order. O(gaps).
export function gapSpans(src, startNs, durationS) {
  const spans = [];
  for (const g of src.gaps || []) {
    const startS = Math.max(0, (g.start_ns - startNs) / 1e9);
    const endS = Math.min(durationS, (g.end_ns - startNs) / 1e9);
    if (endS > startS) spans.push({ startS, endS });
  }
  return spans;
}

// "no data from mic 1.20–1.45 s"
export function gapText(name, span) {
  return `no data from ${name} ${span.startS.toFixed(2)}–${span.endS.toFixed(2)} s`;
}

// Coverage as the side panel shows it: "100 %" only when nothing is
// missing, so a short gap never reads as full.
export function coverageText(src) {
  const hasGaps = !!(src.gaps && src.gaps.length);
  const pct = (src.coverage || 0) * 100;
  if (!hasGaps && pct >= 99.95) return '100 %';
  if (Math.round(pct) >= 100) return `${Math.min(pct, 99.9).toFixed(1)} %`;
  return `${Math.round(pct)} %`;
}

// The index of the span holding POS (seconds), or -1. O(log spans).
export function gapAt(spans, pos) {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (pos < spans[mid].startS) hi = mid - 1;
    else if (pos >= spans[mid].endS) lo = mid + 1;
    else return mid;
  }
  return -1;
}

// One hatched block per span of source NAME, appended to CONTAINER.
// PLACE(el, span) positions each block. Blocks carry data-source,
// data-start-s and data-end-s, and the text as their tooltip.
export function gapBlocks(container, name, spans, place) {
  const blocks = spans.map((span) => {
    const el = document.createElement('div');
    el.className = 'gap';
    el.dataset.source = name;
    el.dataset.startS = span.startS.toFixed(3);
    el.dataset.endS = span.endS.toFixed(3);
    el.title = gapText(name, span);
    place(el, span);
    container.append(el);
    return el;
  });
  return blocks;
}

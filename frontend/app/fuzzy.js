// Fuzzy matching for the command palette: the query's characters must appear in order;
// runs of consecutive characters and matches at word starts score higher, so "wb1" finds
// "web-1" before "worker-b1x". Returns null for no match.

const WORD_START = /[\s\-_.:/@]/;

export function fuzzyMatch(query, text) {
  const q = query.toLowerCase().replace(/\s+/g, "");
  const t = text.toLowerCase();
  if (!q) return { score: 0, hits: [] };
  const hits = [];
  let score = 0;
  let from = 0;
  let run = 0;
  for (const ch of q) {
    const at = t.indexOf(ch, from);
    if (at < 0) return null;
    const consecutive = hits.length && at === hits[hits.length - 1] + 1;
    run = consecutive ? run + 1 : 0;
    score += 1 + run * 3;
    if (at === 0 || WORD_START.test(t[at - 1])) score += 4;
    score -= Math.min(at - from, 5) * 0.2; // gaps cost a little
    hits.push(at);
    from = at + 1;
  }
  // A contiguous substring match beats a scattered one of the same length.
  if (t.includes(q)) score += 6;
  return { score: score - t.length * 0.01, hits };
}

// Split text into [{text, hit}] runs so that a template can bold the matched characters
// without building HTML.
export function highlight(text, hits) {
  const marks = new Set(hits);
  const parts = [];
  for (let i = 0; i < text.length; i += 1) {
    const hit = marks.has(i);
    const last = parts[parts.length - 1];
    if (last && last.hit === hit) last.text += text[i];
    else parts.push({ text: text[i], hit });
  }
  return parts.map((part, index) => ({ ...part, key: index }));
}

/**
 * Readable text from HTML for `web.fetch_text`: drops scripts, styles and markup, keeps block structure
 * as line breaks and decodes character references. Pattern-based on purpose: it never executes
 * anything. Every pass is linear (tags stop at the next `<`, unclosed constructs swallow the rest), so
 * hostile pages cannot make it quadratic.
 */

const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', trade: '™', hellip: '…',
  mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«', raquo: '»', euro: '€',
  pound: '£', yen: '¥', cent: '¢', sect: '§', deg: '°', middot: '·', bull: '•', times: '×', divide: '÷',
};

/** Decodes named (common subset), decimal and hexadecimal character references. */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,8}|#\d{1,9}|[a-z]{1,10});/gi, (m, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : '\uFFFD';
    }
    return NAMED[ref.toLowerCase()] ?? m;
  });
}

/** Removes `<!-- ... -->`; an unclosed comment hides the rest, as in browsers. */
function dropComments(html: string): string {
  let out = '';
  let pos = 0;
  for (let open = html.indexOf('<!--'); open !== -1; open = html.indexOf('<!--', pos)) {
    out += html.slice(pos, open);
    const close = html.indexOf('-->', open + 4);
    if (close === -1) return out;
    pos = close + 3;
  }
  return out + html.slice(pos);
}

const DROP_OPEN = /<(script|style|noscript|template|svg|head|title|iframe|object)\b[^<>]*>/gi;

/** Removes elements whose content is not text; an unclosed one swallows the rest of the document. */
function dropElements(html: string): string {
  let out = '';
  let pos = 0;
  DROP_OPEN.lastIndex = 0;
  for (let m = DROP_OPEN.exec(html); m; m = DROP_OPEN.exec(html)) {
    out += html.slice(pos, m.index);
    const close = new RegExp(`</${m[1] as string}\\s*>`, 'gi');
    close.lastIndex = DROP_OPEN.lastIndex;
    const c = close.exec(html);
    if (!c) return out;
    pos = close.lastIndex;
    DROP_OPEN.lastIndex = pos;
  }
  return out + html.slice(pos);
}

/** The text of the first `<title>` element, or ''. */
function titleOf(html: string): string {
  const open = /<title\b[^<>]*>/i.exec(html);
  if (!open) return '';
  const start = open.index + open[0].length;
  const close = /<\/title\s*>/i.exec(html.slice(start));
  const raw = html.slice(start, close ? start + close.index : undefined);
  return collapse(decodeEntities(raw.replace(/<[^<>]*>/g, '')).replace(/\n/g, ' '));
}

const BLOCK = /<\/?(p|div|br|hr|h[1-6]|ul|ol|table|tr|section|article|header|footer|nav|aside|main|blockquote|pre|form|fieldset|figure|figcaption|dl|dt|dd|address|details|summary)\b[^<>]*>/gi;

function collapse(s: string): string {
  return s
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v\u00a0\r]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Extracts `{title, text}` from an HTML document. */
export function htmlToText(html: string): { title: string; text: string } {
  const body = dropElements(dropComments(html))
    .replace(/<li\b[^<>]*>/gi, '\n- ')
    .replace(BLOCK, '\n')
    .replace(/<\/?(td|th)\b[^<>]*>/gi, ' ')
    .replace(/<\/?[A-Za-z!][^<>]*>/g, '');
  return { title: titleOf(html), text: collapse(decodeEntities(body)) };
}

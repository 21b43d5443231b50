/**
 * Readable text from HTML for `web.fetch_text`: drops scripts, styles and markup, keeps block structure
 * as line breaks and decodes character references. Regex-based on purpose: it never executes anything.
 */

const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', trade: '™', hellip: '…',
  mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«', raquo: '»', euro: '€',
  pound: '£', yen: '¥', cent: '¢', sect: '§', deg: '°', middot: '·', bull: '•', times: '×', divide: '÷',
};

/** Decodes named (common subset), decimal and hexadecimal character references. */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : '\uFFFD';
    }
    return NAMED[ref.toLowerCase()] ?? m;
  });
}

const DROP = /<(script|style|noscript|template|svg|head|iframe|object)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
const BLOCK = /<\/?(p|div|br|hr|h[1-6]|ul|ol|table|tr|section|article|header|footer|nav|aside|main|blockquote|pre|form|fieldset|figure|figcaption|dl|dt|dd|address|details|summary)\b[^>]*>/gi;

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
  const titleMatch = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i.exec(html);
  const title = titleMatch ? collapse(decodeEntities((titleMatch[1] as string).replace(/<[^>]*>/g, '')).replace(/\n/g, ' ')) : '';
  const body = html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(DROP, '')
    .replace(/<li\b[^>]*>/gi, '\n- ')
    .replace(BLOCK, '\n')
    .replace(/<\/?(td|th)\b[^>]*>/gi, ' ')
    .replace(/<\/?[A-Za-z!][^>]*>/g, '');
  return { title, text: collapse(decodeEntities(body)) };
}

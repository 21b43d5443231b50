/**
 * Server-sent events (the `text/event-stream` format used by streaming chat completions), reduced to
 * what providers need: the `data` payload of each event.
 */

/**
 * Incremental SSE parser: feed it text in chunks of any size, it returns the data of every completed
 * event. Lines end with LF, CRLF or CR; `data:` lines of one event are joined with LF; comments (`:`)
 * and other fields (`event`, `id`, `retry`) are ignored.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  /** A CR ended the previous chunk: a LF at the start of the next one belongs to it. */
  private pendingCr = false;

  /** Adds text; returns the data payloads of the events it completed. */
  push(text: string): string[] {
    const out: string[] = [];
    let s = text;
    if (this.pendingCr && s.startsWith('\n')) s = s.slice(1);
    this.pendingCr = false;
    this.buffer += s;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line(this.buffer.slice(start, i), out);
      if (c === 13) {
        if (i + 1 < this.buffer.length) {
          if (this.buffer.charCodeAt(i + 1) === 10) i++;
        } else {
          this.pendingCr = true;
        }
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  /** Ends the stream: an event without its closing blank line still counts. */
  end(): string[] {
    const out: string[] = [];
    if (this.buffer !== '') this.line(this.buffer, out);
    this.buffer = '';
    if (this.data.length > 0) {
      out.push(this.data.join('\n'));
      this.data = [];
    }
    return out;
  }

  private line(line: string, out: string[]): void {
    if (line === '') {
      if (this.data.length > 0) {
        out.push(this.data.join('\n'));
        this.data = [];
      }
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    if (field !== 'data') return;
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    this.data.push(value);
  }
}

/** Yields the data payload of each event of a byte stream (UTF-8), in order. */
export async function* sseData(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  const parser = new SseParser();
  for await (const chunk of body) {
    for (const d of parser.push(decoder.decode(chunk, { stream: true }))) yield d;
  }
  for (const d of parser.push(decoder.decode())) yield d;
  for (const d of parser.end()) yield d;
}

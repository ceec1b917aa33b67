/**
 * Keeps the last `limit` bytes (UTF-16 code units approximate bytes closely enough for output
 * display; the runner already caps by real bytes) of a stream of chunks, and the full text so far
 * for live followers.
 */
export class TailBuffer {
  private chunks: string[] = [];
  private length = 0;

  constructor(private readonly limit: number) {}

  append(chunk: string): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
    if (this.length > this.limit * 2) this.compact();
  }

  toString(): string {
    this.compact();
    return this.chunks[0] ?? '';
  }

  private compact(): void {
    let text = this.chunks.join('');
    if (text.length > this.limit) text = text.slice(text.length - this.limit);
    this.chunks = [text];
    this.length = text.length;
  }
}

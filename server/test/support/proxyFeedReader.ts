/** Reads a streamed body chunk by chunk, so a test can wait for the next bytes of a feed without a clock. */
export class ProxyFeedReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  text = '';
  ended = false;

  constructor(response: Response) {
    if (!response.body) throw new Error('response has no body');
    this.reader = response.body.getReader();
  }

  /** Reads until `predicate(text)` holds or the stream ends; returns whether it held. */
  async until(predicate: (text: string) => boolean): Promise<boolean> {
    while (!predicate(this.text)) {
      if (this.ended) return false;
      const { value, done } = await this.reader.read();
      if (done) this.ended = true;
      else this.text += this.decoder.decode(value, { stream: true });
    }
    return true;
  }

  async all(): Promise<string> {
    await this.until(() => false);
    return this.text;
  }
}

/** A deployment's log in memory, bounded: the first part is kept and the cut is said. */
export class DeploymentLog {
  private readonly parts: string[] = [];
  private size = 0;
  private cut = false;

  constructor(private readonly limit = 1024 * 1024) {}

  readonly write = (text: string): void => {
    if (this.cut) return;
    const room = this.limit - this.size;
    if (text.length > room) {
      this.parts.push(text.slice(0, room), `\n[slipway: log cut at ${this.limit} characters]\n`);
      this.cut = true;
      return;
    }
    this.parts.push(text);
    this.size += text.length;
  };

  toString(): string {
    return this.parts.join('');
  }
}

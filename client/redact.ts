// The key and every token made from it are registered here the moment they are read or
// made, and nothing the CLI prints gets past without them being cut out: a key must not
// reach a terminal, a CI log or a pasted bug report.
export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string): void {
    const text = secret.trim();
    if (text.length < 8) return;
    this.secrets.add(text);
    // A PEM key prints line by line as well.
    for (const line of text.split(/\r?\n/))
      if (line.trim().length >= 8) this.secrets.add(line.trim());
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join("***");
    return out;
  }
}

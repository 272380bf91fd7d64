// One operation per app at a time (Guarantee 5): a second one is refused at
// once with 409 rather than queued, so a CI retry sees the conflict.
export class AppLock {
  private holder: string | undefined;

  get busy(): string | undefined {
    return this.holder;
  }

  tryAcquire(deployId: string): boolean {
    if (this.holder) return false;
    this.holder = deployId;
    return true;
  }

  release(deployId: string): void {
    if (this.holder === deployId) this.holder = undefined;
  }
}

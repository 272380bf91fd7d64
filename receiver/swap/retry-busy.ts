const BUSY = new Set(["EBUSY", "EPERM", "EACCES"]);
const ATTEMPTS = 10;

// Windows refuses to move a file another process holds open (an antivirus scan,
// a server slow to exit) with EBUSY/EPERM/EACCES for a moment: wait and retry.
export async function retryBusy<T>(fn: () => Promise<T>, baseDelayMs = 50): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (!code || !BUSY.has(code) || attempt >= ATTEMPTS) throw error;
      await new Promise((r) => setTimeout(r, Math.min(baseDelayMs * 2 ** (attempt - 1), 1000)));
    }
  }
}

const APP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

// An app's name goes into the URL path and the token: a typo fails here with the value
// quoted, before any work starts.
export function appName(app: string): string {
  if (!APP_NAME.test(app)) {
    throw new Error(
      `app "${app}" must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  return app;
}

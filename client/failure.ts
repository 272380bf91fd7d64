/** The receiver did the operation and it failed, or refused it: exit 1, with its words. */
export class Failure extends Error {
  override name = "Failure";
}

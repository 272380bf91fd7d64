// A healthy server the gate may send requests to.
export interface Target {
  /** 0-based instance number, stable across restarts of that server. */
  instance: number;
  /** http://127.0.0.1:PORT */
  origin: string;
}

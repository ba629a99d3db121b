/** One check of a run's verdict. */
export interface Verdict {
  /** Short name, stable for tools (`one-connection`, `bytes-in-order`, ...). */
  name: string;
  ok: boolean;
  /** What was checked and what was found. */
  detail: string;
}

/** What a pass tells a coordinator (plain data, no imports: the ports and the engine both name it). */
/**
 * What a reconcile pass knows of a namespace from git at its commit, pushed to the namespace's coordinator when it
 * changes (signal `capschedSetBaselines`): the permanent plans in force, and the windows due soon.
 */
export interface NamespacePresent {
  /** Permanent plans in force now: plan → TRUs (the whole set: a baseline of a plan not named here or in `later` is dropped). */
  plans: Record<string, number>;
  /** Permanent plans in git whose start is still ahead: a baseline one of them already announced stays (the push may be older). */
  later?: string[] | undefined;
  /**
   * Starts of the namespace's windows in [fromMs, toMs) (epoch ms, every plan): an ended window is held across its end only
   * for a window due then. Absent: unknown (held for its grace, as before any pass spoke).
   */
  due?: DueWindows | undefined;
  /** The commit the pass read (logs and status only). */
  commit?: string | undefined;
  /** The installation whose pass this is: it speaks for its own plans only (another installation's baselines and due windows stay). */
  installation?: string | undefined;
}

export interface DueWindows {
  fromMs: number;
  toMs: number;
  startsMs: number[];
}

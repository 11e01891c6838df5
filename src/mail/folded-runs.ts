/**
 * Runs `work` one at a time. Calls while it runs fold into one more pass, so a burst of
 * submissions never starts a burst of sweeps, and a call arriving during the last pass is not
 * lost: it runs the work once more.
 */
export function foldedRuns(work: () => Promise<void>) {
  let running: Promise<void> | null = null;
  let again = false;
  return {
    run(): Promise<void> {
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        try {
          do {
            again = false;
            await work();
          } while (again);
        } finally {
          // In the same step as the last `again` check: a call arriving later starts a new pass
          // instead of joining one that has already decided to stop.
          running = null;
        }
      })();
      return running;
    },

    /** Resolves when no pass is running: shutdown waits for sends in flight to be recorded. */
    async settled(): Promise<void> {
      while (running) await running.catch(() => {});
    },
  };
}

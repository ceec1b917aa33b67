// Counting missed and duplicated slots of periodic jobs, from the slots (epoch ms) each job ran.

/**
 * Missed and duplicated slots of jobs that fire every `intervalMs`. `slotsByJob` is an array (index =
 * job) or a Map (key = job) of the slots each job ran, any order, duplicates included.
 *
 * Without `from`/`to`: the gaps between a job's first and last slot count as missed (a job's edges are
 * not checked). With `from`/`to` (a window [from, to)): every job is expected to run each slot of its
 * phase (the slot modulo `intervalMs` most of its runs share) in the window, so missing first and last
 * slots count too; slots outside the window are ignored, slots off the phase are counted as `offPhase`.
 * `jobs` (with a window) names every job expected to run: one with no run in the window counts as
 * missing all its slots (the window's length / interval, rounded down: its phase is unknown).
 */
export function slotChecks(slotsByJob, { intervalMs = 1000, from, to, jobs } = {}) {
  const windowed = from !== undefined && to !== undefined;
  let missed = 0;
  let duplicated = 0;
  let offPhase = 0;
  let expected = 0;
  const examples = [];
  const note = (text) => {
    if (examples.length < 5) examples.push(text);
  };
  const ran = new Set();
  const entries = slotsByJob instanceof Map ? [...slotsByJob] : [...slotsByJob.entries()];
  for (const [job, all] of entries) {
    if (!all) continue;
    const slots = windowed ? all.filter((s) => s >= from && s < to) : [...all];
    if (slots.length === 0) continue;
    ran.add(job);
    slots.sort((a, b) => a - b);
    for (let i = 1; i < slots.length; i++) {
      if (slots[i] !== slots[i - 1]) continue;
      duplicated++;
      note(`job ${job}: duplicate slot ${new Date(slots[i]).toISOString()}`);
    }
    const distinct = [...new Set(slots)];
    if (!windowed) {
      for (let i = 1; i < distinct.length; i++) {
        const gap = distinct[i] - distinct[i - 1];
        if (gap <= intervalMs) continue;
        const lost = Math.round(gap / intervalMs) - 1;
        missed += lost;
        note(`job ${job}: ${lost} slot(s) missing after ${new Date(distinct[i - 1]).toISOString()}`);
      }
      continue;
    }
    const phase = modalPhase(distinct, intervalMs);
    const onPhase = distinct.filter((s) => mod(s, intervalMs) === phase);
    offPhase += distinct.length - onPhase.length;
    const first = from + mod(phase - from, intervalMs);
    const want = first < to ? Math.floor((to - 1 - first) / intervalMs) + 1 : 0;
    expected += want;
    if (onPhase.length < want) {
      missed += want - onPhase.length;
      const have = new Set(onPhase);
      for (let s = first; s < to; s += intervalMs) {
        if (!have.has(s)) note(`job ${job}: slot ${new Date(s).toISOString()} did not run`);
      }
    }
  }
  if (windowed && jobs) {
    const whole = Math.floor((to - from) / intervalMs);
    for (const job of jobs) {
      if (ran.has(job)) continue;
      expected += whole;
      missed += whole;
      note(`job ${job}: no run in the window`);
    }
  }
  return { missed, duplicated, offPhase, expected, examples };
}

function mod(value, m) {
  return ((value % m) + m) % m;
}

function modalPhase(slots, intervalMs) {
  const counts = new Map();
  for (const s of slots) counts.set(mod(s, intervalMs), (counts.get(mod(s, intervalMs)) ?? 0) + 1);
  let best = 0;
  let bestCount = -1;
  for (const [phase, count] of counts) {
    if (count > bestCount) [best, bestCount] = [phase, count];
  }
  return best;
}

package dev.pals.chaos;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.json.JSONObject;

/**
 * Turns what the witness recorded, and what the server logged, into the run's numbers.
 *
 * <p><b>Touched by a fault.</b> A hold is touched if its lock was reported lost ({@code onLost}), if the
 * server log shows its session ended while it held the lock (the session is found by the backend pid the
 * worker read from {@code heldLocks()} when it entered, and the time), if its process was paused (SIGSTOP)
 * at any moment of the hold, or if its process was killed while it held the lock. The marks of pauses and
 * kills reach the witness before the signal is sent and, for a pause, after SIGCONT: their windows contain
 * the real ones.
 *
 * <p><b>Detection delay.</b> From the session's end as the server logged it (its first line saying so:
 * the {@code FATAL} of a termination, else the disconnection, in ms) to the moment the witness received
 * the worker's {@code onLost} report (so it includes the report's own trip: an upper bound).
 */
final class Analysis {
    /** An overlap: both holders in their sections at once, one of them exclusive. */
    record Overlap(long at, int key, long newer, long older) {
    }

    /** What the classification needs of a hold that took part in an overlap. */
    record HoldFacts(long id, int worker, int generation, boolean paused, boolean killed, long lostAt,
            long sessionEnd, long delay) {
        boolean lost() {
            return lostAt >= 0;
        }
    }

    private final Settings settings;
    private final Path witness;
    private final ServerLog log;
    private final Result result = new Result();
    private final Map<String, List<long[]>> pauses = new HashMap<>();
    private final Map<String, Long> kills = new HashMap<>();
    private long runStart;
    private long runEnd;

    private Analysis(Settings settings, Path witness, ServerLog log) {
        this.settings = settings;
        this.witness = witness;
        this.log = log;
    }

    /** Reads the witness's files in {@code witness} and the server log; {@code result} gets the run's facts first. */
    static Result analyze(Settings settings, Path witness, ServerLog log, Result facts) throws IOException {
        Analysis analysis = new Analysis(settings, witness, log);
        analysis.copyFacts(facts);
        analysis.run();
        return analysis.result;
    }

    private void copyFacts(Result facts) {
        result.mode = settings.mode();
        result.seed = settings.seed();
        result.workers = settings.workers();
        result.threads = settings.threads();
        result.keys = settings.keys();
        result.checkIntervalMillis = settings.checkInterval().toMillis();
        result.networkTimeoutMillis = settings.networkTimeout().toMillis();
        result.faults = facts.faults;
        result.injectorErrors = facts.injectorErrors;
        result.locksLeftOnServer = facts.locksLeftOnServer;
        result.backendsLeftOnServer = facts.backendsLeftOnServer;
        result.workerDeaths = facts.workerDeaths;
        result.expectedCleanGenerations = facts.expectedCleanGenerations;
        result.loadBefore = facts.loadBefore;
        result.loadMax = facts.loadMax;
        result.wallMinutes = facts.wallMinutes;
        result.toleranceMillis = facts.toleranceMillis;
        result.fencedKeys = settings.fencedKeys();
        result.fencedRegister = facts.fencedRegister;
        result.unfencedRegister = facts.unfencedRegister;
    }

    private static String gen(int worker, int generation) {
        return worker + "/" + generation;
    }

    private void run() throws IOException {
        readMarks();
        Map<Long, long[]> lost = readLost();
        List<Overlap> overlaps = readOverlaps();
        Set<Long> involved = new HashSet<>();
        for (Overlap overlap : overlaps) {
            involved.add(overlap.newer());
            involved.add(overlap.older());
        }
        Map<Long, HoldFacts> facts = new HashMap<>();
        Map<String, Long> holdsPerGeneration = new HashMap<>();
        readHolds(lost, involved, facts, holdsPerGeneration);
        classify(overlaps, facts);
        readWorkers(holdsPerGeneration);
        readSlow();
        result.sessionEnds = log.endReasons();
    }

    // ------------------------------------------------------------------------------------------------

    private void readMarks() throws IOException {
        Map<String, long[]> open = new HashMap<>();
        for (String[] f : lines(Witness.MARKS)) {
            long at = Long.parseLong(f[0]);
            String kind = f[1];
            String phase = f[2];
            int worker = Integer.parseInt(f[3]);
            int generation = Integer.parseInt(f[4]);
            if (kind.equals("RUN")) {
                if (phase.equals("start")) {
                    runStart = at;
                } else {
                    runEnd = at;
                }
                continue;
            }
            String windowKey = kind + "/" + worker;
            switch (phase) {
                case "at" -> {
                    result.timeline.add(new Object[] {FaultKind.valueOf(kind), at, at});
                    if (kind.equals("KILL")) {
                        kills.put(gen(worker, generation), at);
                    }
                }
                case "start" -> open.put(windowKey, new long[] {at});
                case "end" -> {
                    long[] started = open.remove(windowKey);
                    long start = started == null ? at : started[0];
                    result.timeline.add(new Object[] {FaultKind.valueOf(kind), start, at});
                    if (kind.equals("PAUSE")) {
                        pauses.computeIfAbsent(gen(worker, generation), g -> new ArrayList<>()).add(new long[] {start, at});
                    }
                }
                default -> {
                    // "terminate" inside a pause: part of the pause
                }
            }
        }
        if (runEnd == 0) {
            runEnd = Micros.now();
        }
        // Times on the plot: seconds since the run's start.
        for (Object[] entry : result.timeline) {
            entry[1] = ((long) entry[1] - runStart) / 1e6;
            entry[2] = ((long) entry[2] - runStart) / 1e6;
        }
        result.seconds = (runEnd - runStart) / 1e6;
    }

    private boolean paused(int worker, int generation, long from, long to) {
        for (long[] window : pauses.getOrDefault(gen(worker, generation), List.of())) {
            if (window[0] <= to && window[1] >= from) {
                return true;
            }
        }
        return false;
    }

    private Map<Long, long[]> readLost() throws IOException {
        Map<Long, long[]> lost = new HashMap<>();
        for (String[] f : lines(Witness.LOST)) {
            lost.putIfAbsent(Long.parseLong(f[0]), new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
        }
        return lost;
    }

    private List<Overlap> readOverlaps() throws IOException {
        List<Overlap> overlaps = new ArrayList<>();
        for (String[] f : lines(Witness.OVERLAPS)) {
            overlaps.add(new Overlap(Long.parseLong(f[0]), Integer.parseInt(f[1]), Long.parseLong(f[2]),
                    Long.parseLong(f[3])));
        }
        return overlaps;
    }

    /** One pass over every hold: cycles, lost locks and their delays, holds never told, facts of overlapping ones. */
    private void readHolds(Map<Long, long[]> lost, Set<Long> involved, Map<Long, HoldFacts> facts,
            Map<String, Long> holdsPerGeneration) throws IOException {
        long boundMicros = settings.checkInterval().toNanos() / 1_000 + 1_000_000;
        int seconds = (int) Math.ceil(result.seconds) + 1;
        long[] perSecond = new long[Math.max(seconds, 1)];
        List<Long> delays = new ArrayList<>();
        long pausedDelayMax = Long.MIN_VALUE;
        try (BufferedReader reader = Files.newBufferedReader(witness.resolve(Witness.HOLDS), StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                String[] f = line.split("\t");
                long id = Long.parseLong(f[0]);
                int worker = Integer.parseInt(f[1]);
                int generation = Integer.parseInt(f[2]);
                int[] pids = f[6].equals("-") ? new int[0] : Arrays.stream(f[6].split(",")).mapToInt(Integer::parseInt).toArray();
                long acquireStart = Long.parseLong(f[7]);
                long enter = Long.parseLong(f[8]);
                long releaseStart = Long.parseLong(f[10]);
                int releaseOk = Integer.parseInt(f[11]);
                char how = f[12].charAt(0);
                long end = Long.parseLong(f[13]);
                long holdEnd = how == 'R' ? releaseStart : end;

                result.cycles++;
                holdsPerGeneration.merge(gen(worker, generation), 1L, Long::sum);
                int second = (int) ((enter - runStart) / 1_000_000);
                if (second >= 0 && second < perSecond.length) {
                    perSecond[second]++;
                }
                boolean paused = paused(worker, generation, acquireStart, end);
                Long killedAt = kills.get(gen(worker, generation));
                boolean killed = killedAt != null && how != 'R';

                // The session's end, if every candidate session ended while the lock was held.
                long sessionEnd = -1;
                boolean allEnded = pids.length > 0;
                for (int pid : pids) {
                    ServerLog.Session session = log.sessionAt(pid, acquireStart, enter);
                    if (session == null || session.endMicros() < 0 || session.endMicros() > holdEnd) {
                        allEnded = false;
                    } else if (sessionEnd < 0 || session.endMicros() < sessionEnd) {
                        sessionEnd = session.endMicros();
                    }
                }
                if (!allEnded) {
                    sessionEnd = -1;
                }

                long[] lostReport = lost.get(id);
                long lostAt = lostReport == null ? -1 : lostReport[0];
                long delay = Long.MIN_VALUE;
                if (lostAt >= 0) {
                    result.lostReported++;
                    if (pids.length == 0) {
                        result.lostSessionUnknown++;
                    } else if (sessionEnd >= 0 && sessionEnd <= lostAt) {
                        delay = lostAt - sessionEnd;
                    } else {
                        result.lostToldBeforeServerEnd++;
                    }
                    if (paused) {
                        result.lostPaused++;
                        if (delay != Long.MIN_VALUE) {
                            pausedDelayMax = Math.max(pausedDelayMax, delay);
                        }
                    } else if (delay != Long.MIN_VALUE) {
                        result.lostDelayKnown++;
                        delays.add(delay);
                        if (delay > boundMicros) {
                            result.lostToldLate++;
                            example("told late (" + delay / 1000 + " ms after its session ended)", f);
                        }
                    }
                } else if (how == 'R' && !paused) {
                    if (releaseOk == 1 && sessionEnd >= 0 && sessionEnd + 2_000 < releaseStart) {
                        result.neverTold++;
                        example("session ended while held, release() returned true, never reported lost", f);
                    } else if (releaseOk == 0) {
                        result.releaseFalseWithoutLost++;
                        example("release() returned false without onLost", f);
                    }
                }
                if (involved.contains(id)) {
                    facts.put(id, new HoldFacts(id, worker, generation, paused, killed, lostAt, sessionEnd,
                            delay == Long.MIN_VALUE ? -1 : delay));
                }
            }
        }
        result.cyclesPerSecond = perSecond;
        if (!delays.isEmpty()) {
            long[] sorted = delays.stream().mapToLong(Long::longValue).sorted().toArray();
            result.delayP50Millis = sorted[(int) Math.min(sorted.length - 1, Math.ceil(0.50 * sorted.length) - 1)] / 1e3;
            result.delayP99Millis = sorted[(int) Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)] / 1e3;
            result.delayMaxMillis = sorted[sorted.length - 1] / 1e3;
        }
        result.pausedDelayMaxMillis = pausedDelayMax == Long.MIN_VALUE ? Double.NaN : pausedDelayMax / 1e3;
    }

    private void example(String what, String[] holdLine) {
        if (result.examples.size() < 20) {
            result.examples.add(what + ": hold " + String.join(" ", holdLine));
        }
    }

    /** Each overlap in the first class that explains it; none: a violation. */
    private void classify(List<Overlap> overlaps, Map<Long, HoldFacts> facts) {
        long boundMicros = settings.checkInterval().toNanos() / 1_000 + 1_000_000;
        for (Overlap overlap : overlaps) {
            result.overlaps++;
            List<HoldFacts> pair = new ArrayList<>();
            for (long id : new long[] {overlap.newer(), overlap.older()}) {
                HoldFacts hold = facts.get(id);
                pair.add(hold != null ? hold : new HoldFacts(id, -1, -1, false, false, -1, -1, -1));
            }
            boolean toldInTime = false;
            boolean paused = false;
            boolean killed = false;
            boolean toldLate = false;
            boolean delayUnknown = false;
            boolean neverTold = false;
            for (HoldFacts hold : pair) {
                paused |= hold.paused();
                Long killedAt = kills.get(gen(hold.worker(), hold.generation()));
                // Killed before the overlap, or killed while its lost lock was still within the time it has
                // to be told (its session ended, then the process died before the report could come).
                killed |= hold.killed() && killedAt != null && (killedAt <= overlap.at()
                        || (!hold.lost() && hold.sessionEnd() >= 0 && killedAt <= hold.sessionEnd() + boundMicros));
                if (hold.lost() && !hold.paused()) {
                    if (hold.delay() >= 0) {
                        toldInTime |= hold.delay() <= boundMicros;
                        toldLate |= hold.delay() > boundMicros;
                    } else if (hold.sessionEnd() < 0) {
                        // Told before the server let the session go (a frozen path): in time by definition,
                        // if the lost report came before the overlap; otherwise its delay is unknown.
                        toldInTime |= hold.lostAt() <= overlap.at();
                        delayUnknown |= hold.lostAt() > overlap.at();
                    } else {
                        delayUnknown = true;
                    }
                } else if (!hold.lost() && hold.sessionEnd() >= 0 && hold.sessionEnd() <= overlap.at() + 2_000) {
                    neverTold = true;
                }
            }
            if (toldInTime) {
                result.overlapsLostToldInTime++;
            } else if (paused) {
                result.overlapsPaused++;
            } else if (killed) {
                result.overlapsKilled++;
            } else if (toldLate) {
                result.overlapsLostToldLate++;
            } else if (delayUnknown) {
                result.overlapsLostDelayUnknown++;
            } else if (neverTold) {
                result.overlapsLostNeverTold++;
                if (result.examples.size() < 20) {
                    result.examples.add("overlap with a holder whose session ended, never told, on key k" + overlap.key()
                            + " at " + overlap.at() + ": holds " + Long.toHexString(overlap.newer()) + " and "
                            + Long.toHexString(overlap.older()));
                }
            } else {
                result.violations++;
                if (result.examples.size() < 20) {
                    result.examples.add("violation on key k" + overlap.key() + " at " + overlap.at() + ": holds "
                            + Long.toHexString(overlap.newer()) + " and " + Long.toHexString(overlap.older()));
                }
            }
        }
    }

    private void readWorkers(Map<String, Long> holdsPerGeneration) throws IOException {
        Set<String> seen = new HashSet<>();
        for (String[] f : lines(Witness.WORKERS)) {
            String generation = gen(Integer.parseInt(f[0]), Integer.parseInt(f[1]));
            seen.add(generation);
            JSONObject c = new JSONObject(f[2]);
            result.cleanGenerations++;
            result.attemptsOfCleanWorkers += c.getLong("attempts");
            result.refusedOfCleanWorkers += c.getLong("refused");
            result.ambiguousPids += c.getLong("ambiguousPids");
            result.unknownPids += c.getLong("unknownPids");
            JSONObject failures = c.getJSONObject("failures");
            for (String reason : failures.keySet()) {
                result.failuresOfCleanWorkers.merge(reason, failures.getLong(reason), Long::sum);
            }
            JSONObject writes = c.getJSONObject("fencedWrites");
            for (String outcome : writes.keySet()) {
                result.fencedWritesOfCleanWorkers.merge(outcome, writes.getLong(outcome), Long::sum);
            }
            long acquired = c.getLong("acquired");
            long released = c.getLong("released");
            long lostCount = c.getLong("lost");
            List<String> wrong = new ArrayList<>();
            if (acquired != released + lostCount) {
                wrong.add("acquired " + acquired + " != released " + released + " + lost " + lostCount);
            }
            if (c.getLong("lockerLost") != lostCount) {
                wrong.add("onLockLost " + c.getLong("lockerLost") + " != onLost " + lostCount);
            }
            if (c.getLong("statsLocksLost") != lostCount) {
                wrong.add("stats().locksLost " + c.getLong("statsLocksLost") + " != onLost " + lostCount);
            }
            if (c.getLong("statsLocksHeld") != 0 || c.getLong("heldLocksAtEnd") != 0) {
                wrong.add("locks still held at the end: stats " + c.getLong("statsLocksHeld") + ", heldLocks "
                        + c.getLong("heldLocksAtEnd"));
            }
            if (c.getLong("unexpected") != 0) {
                wrong.add(c.getLong("unexpected") + " unexpected exceptions, first: " + c.getString("firstUnexpected"));
            }
            long witnessed = holdsPerGeneration.getOrDefault(generation, 0L);
            if (witnessed != acquired) {
                wrong.add("the witness saw " + witnessed + " holds, the worker acquired " + acquired);
            }
            if (!wrong.isEmpty()) {
                result.counterMismatches.add("worker " + generation + ": " + String.join("; ", wrong));
            }
        }
        Set<String> all = new HashSet<>(holdsPerGeneration.keySet());
        all.removeAll(seen);
        result.killedGenerations = kills.size();
    }

    private void readSlow() throws IOException {
        long tolerance = result.toleranceMillis * 1_000;
        long maxExcess = Long.MIN_VALUE;
        for (String[] f : lines(Witness.SLOW)) {
            int worker = Integer.parseInt(f[0]);
            int generation = Integer.parseInt(f[1]);
            long start = Long.parseLong(f[2]);
            long end = Long.parseLong(f[3]);
            long bound = Long.parseLong(f[4]);
            if (paused(worker, generation, start, end)) {
                result.acquiresOverBoundPaused++;
                continue;
            }
            result.acquiresOverBound++;
            long excess = end - start - bound;
            maxExcess = Math.max(maxExcess, excess);
            if (excess > tolerance) {
                result.acquiresOverBoundBeyondTolerance++;
                if (result.examples.size() < 20) {
                    result.examples.add("acquire over its bound by " + excess / 1000 + " ms: " + String.join(" ", f));
                }
            }
        }
        result.maxExcessMillis = maxExcess == Long.MIN_VALUE ? Double.NaN : maxExcess / 1e3;
    }

    private List<String[]> lines(String file) throws IOException {
        List<String[]> lines = new ArrayList<>();
        for (String line : Files.readAllLines(witness.resolve(file), StandardCharsets.UTF_8)) {
            if (!line.isEmpty()) {
                lines.add(line.split("\t", -1));
            }
        }
        return lines;
    }
}

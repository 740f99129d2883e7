package dev.pals.chaos;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.json.JSONObject;

/** What one run measured; every property is a number here. */
final class Result {
    // The run.
    String mode;
    long seed;
    double seconds;
    int workers;
    int threads;
    int keys;
    long checkIntervalMillis;
    long networkTimeoutMillis;
    double loadBefore;
    double loadMax;
    double wallMinutes;

    // Work.
    long cycles;
    long attemptsOfCleanWorkers;
    long refusedOfCleanWorkers;
    Map<String, Long> failuresOfCleanWorkers = new TreeMap<>();
    long[] cyclesPerSecond = new long[0];
    long ambiguousPids;
    long unknownPids;

    // Faults.
    Map<FaultKind, Integer> faults = new EnumMap<>(FaultKind.class);
    List<String> injectorErrors = new ArrayList<>();
    Map<String, Integer> sessionEnds = new TreeMap<>();
    /** (kind, start s, end s) since the run's start, for the plot. */
    List<Object[]> timeline = new ArrayList<>();

    // Lost locks.
    long lostReported;
    long lostDelayKnown;
    long lostToldLate;
    long lostToldBeforeServerEnd;
    long lostSessionUnknown;
    long lostPaused;
    double delayP50Millis;
    double delayP99Millis;
    double delayMaxMillis;
    double pausedDelayMaxMillis;
    long neverTold;
    long releaseFalseWithoutLost;
    List<String> examples = new ArrayList<>();

    // Overlaps (pairs of conflicting holders in their sections at once, as the witness saw them).
    long overlaps;
    long overlapsLostToldInTime;
    long overlapsPaused;
    long overlapsKilled;
    long overlapsLostToldLate;
    long overlapsLostDelayUnknown;
    long overlapsLostNeverTold;
    long violations;

    // Property 3.
    long locksLeftOnServer = -1;
    long backendsLeftOnServer = -1;
    int cleanGenerations;
    int expectedCleanGenerations;
    int killedGenerations;
    List<String> counterMismatches = new ArrayList<>();
    List<String> workerDeaths = new ArrayList<>();

    // Property 4.
    long acquiresOverBound;
    long acquiresOverBoundPaused;
    long acquiresOverBoundBeyondTolerance;
    double maxExcessMillis = Double.NaN;
    long toleranceMillis;

    // Fencing ({@link FencedWrites}): writes, stale writes, writes the fence rejected, per register.
    int fencedKeys;
    long[] fencedRegister = new long[3];
    long[] unfencedRegister = new long[3];
    Map<String, Long> fencedWritesOfCleanWorkers = new TreeMap<>();

    boolean property1() {
        return violations == 0;
    }

    /** Every overlap explained by a lost lock told in time, a pause or a killed holder. */
    boolean property2() {
        return overlapsLostToldLate == 0 && overlapsLostDelayUnknown == 0 && overlapsLostNeverTold == 0 && neverTold == 0
                && violations == 0;
    }

    boolean property3() {
        return locksLeftOnServer == 0 && backendsLeftOnServer == 0 && counterMismatches.isEmpty()
                && cleanGenerations == expectedCleanGenerations && workerDeaths.isEmpty()
                && releaseFalseWithoutLost == 0;
    }

    boolean property4() {
        return acquiresOverBoundBeyondTolerance == 0;
    }

    /** No stale write got past the fence (the database's own count, in the fenced register). */
    boolean fencing() {
        return fencedRegister[1] == 0;
    }

    JSONObject toJson() {
        JSONObject json = new JSONObject();
        for (var field : Result.class.getDeclaredFields()) {
            if (java.lang.reflect.Modifier.isStatic(field.getModifiers()) || field.getName().equals("cyclesPerSecond")
                    || field.getName().equals("timeline")) {
                continue;
            }
            try {
                Object value = field.get(this);
                json.put(field.getName(), value instanceof Double d && d.isNaN() ? JSONObject.NULL : value);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        json.put("property1", property1());
        json.put("property2", property2());
        json.put("property3", property3());
        json.put("property4", property4());
        json.put("fencing", fencing());
        return json;
    }
}

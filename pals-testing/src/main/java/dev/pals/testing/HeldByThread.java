package dev.pals.testing;

import java.lang.management.LockInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.MonitorInfo;
import java.lang.management.ThreadInfo;
import java.util.ArrayList;
import java.util.List;

/** What the calling thread holds right now: monitors and {@code java.util.concurrent} locks. */
public final class HeldByThread {
    private HeldByThread() {
    }

    /** One line per monitor or ownable synchronizer the calling thread holds; empty if none. */
    public static List<String> current() {
        ThreadInfo info = ManagementFactory.getThreadMXBean()
                .getThreadInfo(new long[] {Thread.currentThread().getId()}, true, true)[0];
        List<String> held = new ArrayList<>();
        for (LockInfo synchronizer : info.getLockedSynchronizers()) {
            held.add("lock " + synchronizer);
        }
        for (MonitorInfo monitor : info.getLockedMonitors()) {
            held.add("monitor " + monitor + " at " + monitor.getLockedStackFrame());
        }
        return held;
    }
}

package dev.pals.jooq.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Threads still inside the library: after a fault test, none may be left waiting. */
final class Threads {
    private Threads() {
    }

    /** Names of live threads with a PALs frame on their stack, but for the library's own daemons. */
    static List<String> insidePals() {
        List<String> found = new ArrayList<>();
        for (Map.Entry<Thread, StackTraceElement[]> entry : Thread.getAllStackTraces().entrySet()) {
            Thread thread = entry.getKey();
            if (thread == Thread.currentThread() || thread.getName().startsWith("pals-")) {
                continue;
            }
            for (StackTraceElement frame : entry.getValue()) {
                if (frame.getClassName().startsWith("dev.pals.jooq.internal")) {
                    found.add(thread.getName() + " at " + frame);
                    break;
                }
            }
        }
        return found;
    }
}

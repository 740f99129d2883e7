package dev.pals.jooq.faults;

import dev.pals.Lock;
import dev.pals.Locker;
import dev.pals.jooq.JooqLocker;

/** Run in a child JVM by {@link CrashTest}: takes a lock, says so, and waits to be killed. */
public final class HoldLockMain {
    private HoldLockMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Locker locker = JooqLocker.builder(args[0]).url(args[1]).user(args.length > 2 ? args[2] : null).build();
        Lock lock = locker.lock(args[3]);
        if (!lock.acquire()) {
            System.out.println("NOT ACQUIRED");
            System.exit(1);
        }
        System.out.println("HELD");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
        lock.release();
    }
}

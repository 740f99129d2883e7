package dev.pals.jooq;

import dev.pals.Lock;
import dev.pals.LockOptions;
import dev.pals.Locker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Run in a child JVM by {@link FencingTest}, as another process: takes a lock with fencing, prints
 * {@code TOKEN <n>}, and releases it when told {@code RELEASE} on stdin. Arguments: app, url, user (or
 * {@code -}), table, lock name.
 */
public final class FencedHolderMain {
    private FencedHolderMain() {
    }

    public static void main(String[] args) throws Exception {
        try (Locker locker = JooqLocker.builder(args[0]).url(args[1]).user("-".equals(args[2]) ? null : args[2])
                .fencingTable(args[3]).createFencingTable(true).build()) {
            Lock lock = locker.lock(args[4], LockOptions.builder().fencing(true).build());
            if (!lock.acquire(Duration.ofSeconds(30))) {
                System.out.println("NOT ACQUIRED");
                return;
            }
            System.out.println("TOKEN " + lock.fencingToken().orElseThrow().value());
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.equals("RELEASE")) {
                // wait
            }
            System.out.println("RELEASED " + lock.release());
        }
    }
}

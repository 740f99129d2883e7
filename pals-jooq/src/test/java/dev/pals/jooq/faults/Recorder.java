package dev.pals.jooq.faults;

import dev.pals.LockInfo;
import dev.pals.LockListener;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** Counts lost-lock reports from every channel: listener, locker callback, lock callback. */
final class Recorder implements LockListener {
    final List<String> listenerLost = new CopyOnWriteArrayList<>();
    final List<String> lockerCallback = new CopyOnWriteArrayList<>();
    final Map<String, AtomicInteger> lockCallbacks = new ConcurrentHashMap<>();
    final Map<String, Long> firstLostAt = new ConcurrentHashMap<>();

    @Override
    public void lockLost(LockInfo lock, Duration held, Throwable cause) {
        listenerLost.add(lock.name());
        firstLostAt.putIfAbsent(lock.name(), System.nanoTime());
    }

    Consumer<LockInfo> lockerCallback() {
        return lock -> lockerCallback.add(lock.name());
    }

    Consumer<LockInfo> lockCallback() {
        return lock -> lockCallbacks.computeIfAbsent(lock.name(), name -> new AtomicInteger()).incrementAndGet();
    }

    int lockCallbacks(String name) {
        AtomicInteger count = lockCallbacks.get(name);
        return count == null ? 0 : count.get();
    }
}

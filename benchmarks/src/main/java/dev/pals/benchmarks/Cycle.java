package dev.pals.benchmarks;

import dev.pals.Lock;
import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.Locker;
import java.sql.SQLException;

/** One uncontended acquire + release on a key of one thread's own, by PALs or by the yardstick. */
abstract class Cycle implements AutoCloseable {
    static final String APP = "bench";

    /** Acquire and release once; throws if either did not happen (a failed cycle must never count). */
    abstract void run() throws SQLException;

    @Override
    public void close() throws SQLException {
    }

    /** What a cycle does: blocking exclusive (default timeout), one try, or blocking shared. */
    enum Kind {
        BLOCKING("blocking"), TRY("try"), SHARED("shared");

        final String id;

        Kind(String id) {
            this.id = id;
        }

        static Kind of(String id) {
            for (Kind kind : values()) {
                if (kind.id.equals(id)) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("unknown cycle kind: " + id);
        }
    }

    static Cycle raw(BenchDatabase db, Kind kind, String name) throws SQLException {
        return raw(db, db.url(), kind, name);
    }

    /** The yardstick on its own connection to {@code url} (the server's, or a proxy's). */
    static Cycle raw(BenchDatabase db, String url, Kind kind, String name) throws SQLException {
        return new Raw(new RawJdbc(db.connect(url)), kind, LockKey.named(APP, name).value());
    }

    static Cycle pals(Locker locker, Kind kind, String name) {
        return new Pals(locker.lock(name, kind == Kind.SHARED ? LockMode.SHARED : LockMode.EXCLUSIVE), kind);
    }

    private static final class Raw extends Cycle {
        private final RawJdbc raw;
        private final Kind kind;
        private final long key;

        Raw(RawJdbc raw, Kind kind, long key) {
            this.raw = raw;
            this.kind = kind;
            this.key = key;
        }

        @Override
        void run() throws SQLException {
            boolean unlocked;
            switch (kind) {
                case BLOCKING:
                    raw.lock(key);
                    unlocked = raw.unlock(key);
                    break;
                case TRY:
                    if (!raw.tryLock(key)) {
                        throw new IllegalStateException("raw try failed on an uncontended key");
                    }
                    unlocked = raw.unlock(key);
                    break;
                default:
                    raw.lockShared(key);
                    unlocked = raw.unlockShared(key);
            }
            if (!unlocked) {
                throw new IllegalStateException("raw unlock failed");
            }
        }

        @Override
        public void close() throws SQLException {
            raw.close();
        }
    }

    private static final class Pals extends Cycle {
        private final Lock lock;
        private final boolean blocking;

        Pals(Lock lock, Kind kind) {
            this.lock = lock;
            this.blocking = kind != Kind.TRY;
        }

        @Override
        void run() {
            if (!lock.acquire(blocking)) {
                throw new IllegalStateException("PALs acquire failed on an uncontended key: " + lock);
            }
            if (!lock.release()) {
                throw new IllegalStateException("PALs release failed: " + lock);
            }
        }
    }
}

package dev.pals;

import dev.pals.internal.Text;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * The PostgreSQL advisory lock key a {@link Lock} takes. PostgreSQL has two key spaces that never
 * overlap: one {@code bigint} ({@link #of(long)}, and every {@link #named named} key) and a pair of
 * {@code int4} ({@link #of(int, int)}). Keys are equal when they lock the same thing: same space, same
 * numbers; the name a named key remembers is for display only.
 */
public final class LockKey {
    private final boolean pair;
    private final long value;
    private final String name;

    private LockKey(boolean pair, long value, String name) {
        this.pair = pair;
        this.value = value;
        this.name = name;
    }

    /**
     * The key Python PALs gives lock {@code name} of application {@code app}: SHA-1 of the UTF-8
     * bytes of {@code app + "." + name} (just {@code name} when {@code app} is null), the first 8
     * digest bytes read little-endian as a signed 64-bit integer. Any string hashes, the empty string
     * included.
     *
     * @param app the application name, or null for a bare lock name
     * @param name the lock name
     * @throws IllegalArgumentException if {@code name} is null, or either string holds a lone
     *     surrogate (not well-formed UTF-16, which Python refuses to encode)
     */
    public static LockKey named(String app, String name) {
        if (name == null) {
            throw new IllegalArgumentException("lock name must not be null");
        }
        if (app != null) {
            Text.utf8(app, "app name");
        }
        String fullName = app == null ? name : app + "." + name;
        return new LockKey(false, hash(Text.utf8(fullName, "lock name")), fullName);
    }

    /** A key in the {@code bigint} space, for users who manage their own numbers. */
    public static LockKey of(long key) {
        return new LockKey(false, key, null);
    }

    /**
     * A key in the two-{@code int4} space ({@code pg_advisory_lock(int, int)}), separate from every
     * {@code bigint} key: {@code of(0, 1)} and {@code of(1L)} are different locks.
     */
    public static LockKey of(int key1, int key2) {
        return new LockKey(true, ((long) key1 << 32) | (key2 & 0xFFFF_FFFFL), null);
    }

    private static long hash(byte[] utf8) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-1").digest(utf8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every Java platform", e);
        }
        long key = 0;
        for (int i = 7; i >= 0; i--) {
            key = (key << 8) | (digest[i] & 0xFF);
        }
        return key;
    }

    /** Whether this key is in the two-{@code int4} space. */
    public boolean isPair() {
        return pair;
    }

    /**
     * The {@code bigint} key; for a pair, both halves packed as {@code (key1 << 32) | key2}, which is
     * how {@code pg_locks} shows them.
     */
    public long value() {
        return value;
    }

    /** The first {@code int4} of a pair; for a {@code bigint} key, its high 32 bits. */
    public int key1() {
        return (int) (value >>> 32);
    }

    /** The second {@code int4} of a pair; for a {@code bigint} key, its low 32 bits. */
    public int key2() {
        return (int) value;
    }

    /** The full name a {@link #named named} key was hashed from ({@code app.name}); empty for numbers. */
    public Optional<String> name() {
        return Optional.ofNullable(name);
    }

    /**
     * How locks on this key are called when they have no name of their own: the full name of a named
     * key, the number of a {@code bigint} key, {@code (key1, key2)} for a pair.
     */
    public String displayName() {
        return name != null ? name : displayNumber();
    }

    /** The number(s) as PostgreSQL takes them: {@code 8527727818887320220}, or {@code (1, 2)} for a pair. */
    public String displayNumber() {
        return pair ? "(" + key1() + ", " + key2() + ")" : Long.toString(value);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LockKey && ((LockKey) other).pair == pair && ((LockKey) other).value == value;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(value) * 31 + (pair ? 1 : 0);
    }

    @Override
    public String toString() {
        return name == null ? "LockKey[" + displayNumber() + "]"
                : "LockKey[" + displayNumber() + " \"" + Text.shorten(name) + "\"]";
    }
}

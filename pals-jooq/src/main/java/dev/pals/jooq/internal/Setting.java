package dev.pals.jooq.internal;

import java.util.function.Function;

/**
 * One setting of a Locker, written once: its name, its default, its check and how it shows in
 * {@code toString()}. A settings object and its builder hold values by setting, so neither repeats a
 * field, a copy or a check per setting.
 *
 * @param <T> the value's type
 */
public final class Setting<T> {
    /** Checks a value and returns it (or a normalised one). */
    @FunctionalInterface
    public interface Check<T> {
        /** @throws IllegalArgumentException naming the setting ({@code name}) and the value */
        T check(String name, T value);
    }

    private final String name;
    private final T defaultValue;
    private final Check<T> check;
    private final Function<? super T, String> show;

    private Setting(String name, T defaultValue, Check<T> check, Function<? super T, String> show) {
        this.name = name;
        this.defaultValue = defaultValue;
        this.check = check;
        this.show = show;
    }

    /**
     * @param defaultValue the value when none is set; may be null
     * @param check applied once to every value, the default included
     * @param show the value as {@code toString()} shows it; null for a value shown only as whether it is
     *     set (a password)
     */
    public static <T> Setting<T> of(String name, T defaultValue, Check<T> check, Function<? super T, String> show) {
        return new Setting<>(name, defaultValue, check, show);
    }

    public String name() {
        return name;
    }

    public T defaultValue() {
        return defaultValue;
    }

    /** The checked value. */
    public T check(Object value) {
        @SuppressWarnings("unchecked")
        T typed = (T) value;
        return check.check(name, typed);
    }

    /** {@code name=value} for {@code toString()}, never a secret; null for an unset value. */
    public String describe(Object value) {
        if (value == null) {
            return null;
        }
        @SuppressWarnings("unchecked")
        T typed = (T) value;
        return name + "=" + (show == null ? "***" : show.apply(typed));
    }

    @Override
    public String toString() {
        return name;
    }
}

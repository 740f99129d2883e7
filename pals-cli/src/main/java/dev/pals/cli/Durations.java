package dev.pals.cli;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Durations as people type them ({@code 500ms}, {@code 30s}, {@code 1.5m}, {@code 1h30m}, ISO {@code PT30S}) and print them. */
final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)");
    private static final Pattern NUMBER = Pattern.compile("\\d+(?:\\.\\d+)?");

    private Durations() {
    }

    /**
     * Reads {@code text}: number-unit pairs ({@code ms}, {@code s}, {@code m}, {@code h}, {@code d}) such
     * as {@code 1h30m} or {@code 2.5s}, a bare number of seconds, or an ISO-8601 duration ({@code PT5S}).
     *
     * @throws IllegalArgumentException naming what was expected
     */
    static Duration parse(String text) {
        String trimmed = text.trim().toLowerCase(Locale.ROOT);
        if (trimmed.startsWith("p")) {
            try {
                Duration iso = Duration.parse(trimmed.toUpperCase(Locale.ROOT));
                if (iso.isNegative()) {
                    throw new IllegalArgumentException("a duration must not be negative: " + text);
                }
                return iso;
            } catch (DateTimeParseException e) {
                throw malformed(text);
            }
        }
        if (NUMBER.matcher(trimmed).matches()) {
            return of(trimmed, "s");
        }
        Matcher part = PART.matcher(trimmed);
        Duration total = Duration.ZERO;
        int at = 0;
        while (at < trimmed.length()) {
            if (!part.find(at) || part.start() != at) {
                throw malformed(text);
            }
            total = total.plus(of(part.group(1), part.group(2)));
            at = part.end();
        }
        if (at == 0) {
            throw malformed(text);
        }
        return total;
    }

    private static Duration of(String number, String unit) {
        BigDecimal nanosPerUnit = BigDecimal.valueOf(switch (unit) {
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> 86_400_000_000_000L;
        });
        BigDecimal nanos = new BigDecimal(number).multiply(nanosPerUnit);
        BigDecimal[] split = nanos.divideAndRemainder(BigDecimal.valueOf(1_000_000_000L));
        try {
            return Duration.ofSeconds(split[0].longValueExact(), split[1].longValue());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("duration too long: " + number + unit);
        }
    }

    private static IllegalArgumentException malformed(String text) {
        return new IllegalArgumentException("not a duration: '" + text
                + "' (examples: 500ms, 30s, 1.5m, 1h30m, 2d, PT30S)");
    }

    /** A short human form: {@code 850ms}, {@code 5.2s}, {@code 3m12s}, {@code 2h05m}, {@code 3d04h}. */
    static String format(Duration duration) {
        if (duration.isNegative()) {
            duration = Duration.ZERO; // clocks of client and server may disagree by a hair
        }
        long millis = duration.toMillis();
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis < 60_000) {
            return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
        }
        long seconds = duration.getSeconds();
        if (seconds < 3600) {
            return seconds / 60 + "m" + String.format(Locale.ROOT, "%02ds", seconds % 60);
        }
        if (seconds < 86_400) {
            return seconds / 3600 + "h" + String.format(Locale.ROOT, "%02dm", seconds % 3600 / 60);
        }
        return seconds / 86_400 + "d" + String.format(Locale.ROOT, "%02dh", seconds % 86_400 / 3600);
    }

    /** Seconds with millisecond precision, for JSON. */
    static BigDecimal seconds(Duration duration) {
        return BigDecimal.valueOf(Math.max(0, duration.toMillis()), 3);
    }

    /** picocli converter for duration options. */
    static final class Converter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}

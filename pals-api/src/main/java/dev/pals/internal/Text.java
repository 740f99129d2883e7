package dev.pals.internal;

import java.nio.charset.StandardCharsets;

/**
 * Strings as PALs for Java treats them: encoded to UTF-8 only when well-formed, and shown in messages
 * only as a short, printable prefix. Not part of the API.
 */
public final class Text {
    /** Names up to this many characters appear whole in messages. */
    public static final int MAX_SHOWN = 80;
    private static final int PREFIX = 60;

    private Text() {
    }

    /**
     * The UTF-8 bytes of {@code value}.
     *
     * @throws IllegalArgumentException if {@code value} holds a lone surrogate: Java would encode it as
     *     {@code ?} (so {@code "a\uD800"} and {@code "a?"} would collide) where Python refuses it
     */
    public static byte[] utf8(String value, String what) {
        int bad = loneSurrogateAt(value);
        if (bad >= 0) {
            throw new IllegalArgumentException(String.format(
                    "%s is not well-formed UTF-16: lone surrogate \\u%04X at index %d in \"%s\"",
                    what, (int) value.charAt(bad), bad, shorten(value)));
        }
        return value.getBytes(StandardCharsets.UTF_8);
    }

    /** Index of the first unpaired surrogate in {@code value}, or -1 if it is well-formed. */
    static int loneSurrogateAt(String value) {
        int length = value.length();
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < length && Character.isLowSurrogate(value.charAt(i + 1))) {
                    i++;
                } else {
                    return i;
                }
            } else if (Character.isLowSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * {@code value} as it may appear in a message or log line: at most {@value #MAX_SHOWN} characters
     * (a longer one is cut to a prefix and its length), control characters and lone surrogates
     * escaped as {@code \\uXXXX}.
     */
    public static String shorten(String value) {
        if (value == null) {
            return "null";
        }
        int length = value.length();
        int shown = length <= MAX_SHOWN ? length : PREFIX;
        if (shown < length && Character.isHighSurrogate(value.charAt(shown - 1))) {
            shown--;
        }
        StringBuilder out = new StringBuilder(shown + 24);
        for (int i = 0; i < shown; i++) {
            char c = value.charAt(i);
            boolean pairedHigh = Character.isHighSurrogate(c) && i + 1 < length
                    && Character.isLowSurrogate(value.charAt(i + 1));
            boolean pairedLow = Character.isLowSurrogate(c) && i > 0
                    && Character.isHighSurrogate(value.charAt(i - 1));
            if (Character.isISOControl(c) || (Character.isSurrogate(c) && !pairedHigh && !pairedLow)) {
                out.append(String.format("\\u%04X", (int) c));
            } else {
                out.append(c);
            }
        }
        if (shown < length) {
            out.append("…(").append(length).append(" chars)");
        }
        return out.toString();
    }
}

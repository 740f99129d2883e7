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
     * {@code value} as it may appear in a message or log line: control characters and lone surrogates
     * escaped as {@code \\uXXXX}, and at most {@value #MAX_SHOWN} characters of that (a longer one is cut
     * to a prefix of about 60 and the original length).
     */
    public static String shorten(String value) {
        if (value == null) {
            return "null";
        }
        int length = value.length();
        StringBuilder out = new StringBuilder(Math.min(length, MAX_SHOWN) + 24);
        int cut = -1;
        int cutAt = 0;
        for (int i = 0; i < length; i++) {
            if (cut < 0 && out.length() >= PREFIX) {
                // Where a long name is cut: after PREFIX characters of output, never inside a pair.
                cut = out.length();
                cutAt = i;
            }
            if (out.length() > MAX_SHOWN) {
                break;
            }
            char c = value.charAt(i);
            boolean pairedHigh = Character.isHighSurrogate(c) && i + 1 < length
                    && Character.isLowSurrogate(value.charAt(i + 1));
            boolean pairedLow = Character.isLowSurrogate(c) && i > 0
                    && Character.isHighSurrogate(value.charAt(i - 1));
            if (Character.isISOControl(c) || (Character.isSurrogate(c) && !pairedHigh && !pairedLow)) {
                out.append(String.format("\\u%04X", (int) c));
            } else if (pairedHigh) {
                out.append(c).append(value.charAt(++i));
            } else {
                out.append(c);
            }
        }
        if (out.length() <= MAX_SHOWN) {
            return out.toString();
        }
        out.setLength(cut);
        return out.append("…(").append(length).append(" chars)").toString();
    }
}

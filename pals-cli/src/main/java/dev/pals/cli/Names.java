package dev.pals.cli;

import dev.pals.LockKey;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns keys back into lock names. Keys are one-way hashes, so this only works from candidates: every
 * candidate name is hashed under every application that may have taken it — those given with
 * {@code --app}, those a PALs Locker announces in its session's {@code application_name}
 * ({@code pals:<app>}), and none (bare names, or full names such as {@code my-app.my-lock}).
 */
final class Names {
    private final List<String> candidates;
    private final Set<String> apps;
    private final Map<Optional<String>, Map<LockKey, String>> byApp = new HashMap<>();

    Names(Collection<String> candidates, Collection<String> apps) {
        this.candidates = List.copyOf(new LinkedHashSet<>(candidates));
        this.apps = new LinkedHashSet<>(apps);
    }

    static Names none() {
        return new Names(List.of(), List.of());
    }

    /**
     * Candidate names, one a line, taken exactly as written (only the line end is dropped), from a file,
     * or from standard input for {@code -}.
     *
     * @throws CliException (usage) if the file cannot be read or is not UTF-8
     */
    static List<String> readFile(Path file, InputStream stdin) {
        boolean fromStdin = file.toString().equals("-");
        try (InputStream in = fromStdin ? stdin : Files.newInputStream(file);
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)))) {
            List<String> names = new ArrayList<>();
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                names.add(line);
            }
            return names;
        } catch (NoSuchFileException e) {
            throw CliException.usage("names file not found: " + file);
        } catch (CharacterCodingException e) {
            throw CliException.usage("names file is not UTF-8 text: " + (fromStdin ? "standard input" : file));
        } catch (IOException e) {
            throw CliException.usage("cannot read names file " + file + ": " + Errors.describe(e));
        }
    }

    boolean isEmpty() {
        return candidates.isEmpty();
    }

    /**
     * The full name ({@code app.name}) of {@code key} if a candidate hashes to it bare, under one of the
     * applications given, or under one of {@code palsApps} (the applications PALs sessions announce).
     */
    Optional<String> resolve(LockKey key, Collection<String> palsApps) {
        if (candidates.isEmpty() || key.isPair()) {
            return Optional.empty();
        }
        String found = keys(Optional.empty()).get(key);
        for (String app : apps) {
            if (found == null) {
                found = keys(Optional.of(app)).get(key);
            }
        }
        for (String app : palsApps) {
            if (found == null) {
                found = keys(Optional.of(app)).get(key);
            }
        }
        return Optional.ofNullable(found);
    }

    private Map<LockKey, String> keys(Optional<String> app) {
        return byApp.computeIfAbsent(app, a -> {
            Map<LockKey, String> keys = new HashMap<>();
            for (String candidate : candidates) {
                try {
                    LockKey key = LockKey.named(a.orElse(null), candidate);
                    keys.putIfAbsent(key, key.name().orElseThrow());
                } catch (IllegalArgumentException e) {
                    // not well-formed UTF-16 (a lone surrogate): no PALs lock can have this name
                }
            }
            return keys;
        });
    }
}

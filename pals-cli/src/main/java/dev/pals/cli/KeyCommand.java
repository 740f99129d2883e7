package dev.pals.cli;

import dev.pals.LockKey;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.json.JSONWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code pals key}: the key PALs (Python and Java) uses for a name; with {@code --url}, who holds it. */
@Command(name = "key", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "The PostgreSQL advisory lock key PALs (Python PALs 0.4.0 and PALs for Java) uses for a lock name:"
                    + " SHA-1 of the UTF-8 bytes of <app>.<name> (the bare name without --app), first 8 bytes"
                    + " little-endian, a signed bigint. Shown with the int pair pg_locks shows for it (classid,objid).",
            "",
            "With --url (only then), also who holds and who waits for these keys on that server.",
        })
final class KeyCommand implements Callable<Integer> {
    @ParentCommand
    Pals pals;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "<name>", arity = "1..*", description = "Lock name(s), as given to locker.lock(name).")
    List<String> names = new ArrayList<>();

    @Option(names = "--app", paramLabel = "<app>",
            description = "The application name of the Locker (JooqLocker.builder(app), Python PALs' app_name)."
                    + " Default: none, the bare name.")
    String app;

    @Option(names = "--json", description = "One JSON object (on one line) instead of the table.")
    boolean json;

    @Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() {
        Map<LockKey, String> keys = new LinkedHashMap<>();
        for (String name : names) {
            try {
                keys.putIfAbsent(LockKey.named(app, name), name);
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage());
            }
        }
        LockReport report = null;
        Server server = null;
        if (connection.urlGiven()) {
            server = connection.server(pals.env);
            try (Connection db = server.connect(LocksCommand.APPLICATION_NAME)) {
                Names resolver = new Names(names, app == null ? List.of() : List.of(app));
                report = LockReport.of(LockQuery.read(db, false), server.target(), false, resolver, new HashMap<>())
                        .filter(entry -> keys.containsKey(entry.row().key()));
            } catch (SQLException e) {
                throw Errors.fromServer(e, server);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            StringBuilder text = new StringBuilder();
            JSONWriter writer = new JSONWriter(text);
            writer.object().key("keys").array();
            for (Map.Entry<LockKey, String> entry : keys.entrySet()) {
                LockKey key = entry.getKey();
                writer.object()
                        .key("app").value(app)
                        .key("name").value(entry.getValue())
                        .key("fullName").value(key.name().orElseThrow());
                LockReport.writeKey(writer, key);
                writer.key("classid").value(Integer.toUnsignedLong(key.key1()))
                        .key("objid").value(Integer.toUnsignedLong(key.key2()))
                        .endObject();
            }
            writer.endArray();
            if (report != null) {
                writer.key("locks");
                report.writeEntries(writer);
            }
            writer.endObject();
            out.println(text);
        } else {
            TextTable table = new TextTable("NAME", "KEY", "INT PAIR");
            for (LockKey key : keys.keySet()) {
                table.row(TextTable.shorten(key.name().orElseThrow(), 80), Long.toString(key.value()),
                        Integer.toUnsignedLong(key.key1()) + "," + Integer.toUnsignedLong(key.key2()));
            }
            table.print(out, "");
            if (report != null) {
                out.println();
                report.printTable(out, pals.zone, false);
            }
        }
        out.flush();
        return ExitCodes.OK;
    }
}

package dev.pals.jooq;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Records what the library logs through System.Logger (routed to java.util.logging by default). */
final class LogCapture extends Handler implements AutoCloseable {
    private final Logger logger;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private LogCapture(String name) {
        this.logger = Logger.getLogger(name);
        logger.addHandler(this);
        setLevel(Level.ALL);
    }

    static LogCapture of(String loggerName) {
        return new LogCapture(loggerName);
    }

    List<LogRecord> records() {
        return records;
    }

    /** Every recorded message, with its parameters and thrown exception, as one text. */
    String text() {
        StringBuilder out = new StringBuilder();
        for (LogRecord record : records) {
            out.append(record.getLevel()).append(' ').append(record.getMessage()).append('\n');
            if (record.getThrown() != null) {
                for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
                    out.append("  ").append(t).append('\n');
                }
            }
        }
        return out.toString();
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}

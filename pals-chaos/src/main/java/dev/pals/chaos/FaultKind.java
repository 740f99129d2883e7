package dev.pals.chaos;

/** The faults the injector knows, each on a seeded schedule of its own. */
enum FaultKind {
    /** SIGKILL of a worker process, which is started again (as its next generation). */
    KILL("worker killed (SIGKILL)"),
    /** {@code pg_terminate_backend} of 1–3 random PALs backends (application_name {@code pals:<app>}). */
    TERMINATE("backends terminated"),
    /** The PostgreSQL server stopped (fast shutdown) and started again on the same port. */
    RESTART("PostgreSQL restarted"),
    /** A worker's network path goes silent for 1.5–4 s (every byte held back, sockets open), then flows again. */
    FREEZE("network path frozen"),
    /** A worker's network path drops every connection (reset). */
    DROP("network path dropped"),
    /** {@code idle_session_timeout} of 100–400 ms for 1–3 s ({@code ALTER SYSTEM} and a reload). */
    IDLE("idle sessions reaped"),
    /** A worker process stopped (SIGSTOP) for longer than the check interval, then continued (SIGCONT). */
    PAUSE("worker paused (SIGSTOP)");

    private final String label;

    FaultKind(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }
}

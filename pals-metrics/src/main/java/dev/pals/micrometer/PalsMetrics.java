package dev.pals.micrometer;

import dev.pals.AcquireFailure;
import dev.pals.LockInfo;
import dev.pals.LockListener;
import dev.pals.LockMode;
import dev.pals.Locker;
import dev.pals.TransactionLocker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters (and, on request, observations) for one {@link Locker}: it is the Locker's
 * {@link LockListener} for timers and counters, and reads {@link Locker#stats()} for gauges.
 *
 * <pre>{@code
 * PalsMetrics metrics = PalsMetrics.builder(registry).build();
 * Locker locker = JooqLocker.builder("my-app").url(url).listener(metrics).build();
 * metrics.bindTo(locker);
 * }</pre>
 *
 * <p>Meters are tagged with the Locker's application ({@value MeterNames#TAG_APPLICATION}) and
 * registered on {@link #bindTo}; events before that are not counted. Every meter it registered is
 * removed from the registry when it is {@linkplain #close() closed} or the Locker closes. One
 * {@code PalsMetrics} serves one Locker. Names and tags: {@link MeterNames}.
 *
 * <p>A {@link TransactionLocker} binds the same way ({@link #bindTo(TransactionLocker)}); its locks are
 * metered as acquires only, since their release at commit or rollback is not reported.
 *
 * <p>Listener calls cost a map update and a timer record. If one fails (a registry that throws), the
 * Locker logs it and the acquire or release goes on.
 */
public final class PalsMetrics implements LockListener, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.pals.micrometer");
    private static final LockMode[] MODES = LockMode.values();
    private static final AcquireFailure.Reason[] REASONS = AcquireFailure.Reason.values();
    /** Acquire timers are kept per mode and outcome; outcome 0 is "acquired", then one per reason. */
    private static final int OUTCOMES = REASONS.length + 1;

    private final MeterRegistry registry;
    private final String application;
    private final Tags extraTags;
    private final int lockNameLimit;
    private final ObservationRegistry observations;
    private final boolean observeHolds;
    private final LockObservationConvention acquireConvention;
    private final LockObservationConvention holdConvention;

    private final Set<Meter> meters = ConcurrentHashMap.newKeySet();
    private final Map<Identity, Hold> holds = new ConcurrentHashMap<>();
    private final Map<Identity, Observation> acquiring = new ConcurrentHashMap<>();
    private volatile Bound bound;
    private volatile boolean closed;

    private PalsMetrics(Builder builder) {
        this.registry = builder.registry;
        this.application = builder.application;
        this.extraTags = builder.tags;
        this.lockNameLimit = builder.lockNameLimit;
        this.observations = builder.observations;
        this.observeHolds = builder.observeHolds && builder.observations != null;
        this.acquireConvention = builder.acquireConvention;
        this.holdConvention = builder.holdConvention;
    }

    /** A builder of metrics that register their meters in {@code registry}. */
    public static Builder builder(MeterRegistry registry) {
        return new Builder(Objects.requireNonNull(registry, "registry"));
    }

    /**
     * Registers the meters for {@code locker}, whose listener this must be
     * ({@code JooqLocker.builder(app).listener(metrics)}): gauges over its {@link Locker#stats()} now,
     * timers and counters as events come.
     *
     * @return this
     * @throws IllegalStateException if this is already bound or closed, or if another Locker with the
     *     same application and tags is bound to the same registry (tell them apart with
     *     {@link Builder#tags})
     */
    public PalsMetrics bindTo(Locker locker) {
        Objects.requireNonNull(locker, "locker");
        synchronized (this) {
            Bound b = newBound(locker, locker.appName(), false);
            gauge(b, MeterNames.CONNECTIONS_ACTIVE, "Connections lent out: holding a lock or acquiring one",
                    locker, l -> l.stats().connectionsInUse());
            gauge(b, MeterNames.CONNECTIONS_MAX, "The most connections the Locker uses at once; 0 for no limit of its own",
                    locker, l -> l.stats().connectionsMax());
            gauge(b, MeterNames.CONNECTIONS_PENDING, "Acquires waiting for a free connection",
                    locker, l -> l.stats().waitingForConnection());
            gauge(b, MeterNames.LOCK_PENDING, "Acquires waiting for a lock held elsewhere",
                    locker, l -> l.stats().waitingForLock());
            gauge(b, MeterNames.CONNECTIONS_LOCKS_MAX, "The most locks held on one connection: what one lost session takes",
                    locker, l -> l.stats().maxLocksPerConnection());
            for (String outcome : new String[] {MeterNames.RESET, MeterNames.DESTROYED}) {
                b.resets[outcome.equals(MeterNames.RESET) ? 0 : 1] = register(Counter.builder(MeterNames.CONNECTIONS_RESET)
                        .description("Connections that came back holding locks, or in doubt, and were reset")
                        .tags(b.tags).tag(MeterNames.TAG_OUTCOME, outcome).register(registry));
            }
            if (lockNameLimit == 0) {
                for (LockMode mode : MODES) {
                    b.unnamed.slot(mode); // held-now and lost at 0 from the start, so that rates see the first one
                }
            }
            bound = b;
        }
        return this;
    }

    /**
     * Registers the meters for {@code locker}, a transaction locker whose listener this must be
     * ({@code JooqTransactionLocker.builder(app).listener(metrics)}): the acquire timer
     * ({@value MeterNames#ACQUIRE}, by outcome) as acquires come, and the gauge of acquires waiting in
     * PostgreSQL ({@value MeterNames#LOCK_PENDING}). Nothing about holds: PostgreSQL releases a transaction
     * lock when its transaction ends, which the locker does not see, so there are no held, held-now or lost
     * meters. Close these metrics to remove the meters (a transaction locker has no close of its own).
     *
     * @return this
     * @throws IllegalStateException as {@link #bindTo(Locker)} does
     */
    public PalsMetrics bindTo(TransactionLocker locker) {
        Objects.requireNonNull(locker, "locker");
        synchronized (this) {
            Bound b = newBound(locker, locker.appName(), true);
            gauge(b, MeterNames.LOCK_PENDING, "Acquires waiting in PostgreSQL for a lock held elsewhere",
                    locker, TransactionLocker::waitingForLock);
            bound = b;
        }
        return this;
    }

    /** Checks that this can be bound (call with this locked) and makes the binding's tags. */
    private Bound newBound(Object source, java.util.Optional<String> appName, boolean transactional) {
        if (closed) {
            throw new IllegalStateException("these metrics are closed (or their Locker was)");
        }
        if (bound != null) {
            throw new IllegalStateException("these metrics are already bound to " + bound.source
                    + "; make one PalsMetrics per Locker");
        }
        String app = application != null ? application
                : appName.filter(name -> !name.isEmpty()).orElse(MeterNames.NO_APPLICATION);
        Tags tags = extraTags.and(MeterNames.TAG_APPLICATION, app);
        // Every binding registers this gauge, so two bindings with the same tags are caught here.
        if (registry.find(MeterNames.LOCK_PENDING).tags(tags).gauge() != null) {
            throw new IllegalStateException("another Locker with " + tags + " is bound to this registry;"
                    + " tell them apart with PalsMetrics.builder(registry).tags(...)");
        }
        return new Bound(source, app, tags, transactional);
    }

    private <S> void gauge(Bound b, String name, String description, S source, ToDoubleFunction<S> value) {
        register(Gauge.builder(name, source, value).description(description).tags(b.tags).register(registry));
    }

    /** Remembers a meter to remove on close; removes it at once if closed meanwhile. */
    private <M extends Meter> M register(M meter) {
        meters.add(meter);
        if (closed) {
            registry.remove(meter);
        }
        return meter;
    }

    /** Whether {@link #close()} ran (or the Locker closed). */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Removes every meter this registered and ends observations in progress. Idempotent; called when
     * the Locker closes.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (Meter meter : meters) {
            registry.remove(meter);
        }
        meters.clear();
        for (Observation observation : acquiring.values()) {
            // An acquire cut short by close() throws IllegalStateException and reports no end of its own.
            if (observation.getContext() instanceof LockObservationContext) {
                ((LockObservationContext) observation.getContext()).end(MeterNames.ERROR, null);
            }
            observation.error(new IllegalStateException("the Locker was closed"));
            observation.stop();
        }
        acquiring.clear();
        for (Hold hold : holds.values()) {
            hold.end(MeterNames.CLOSED);
        }
        holds.clear();
    }

    // ---- the listener ------------------------------------------------------------------------------

    @Override
    public void acquireStarted(LockInfo lock) {
        Bound b = bound;
        if (b == null || closed || observations == null) {
            return;
        }
        Observation observation = observe(LockObservationContext.Kind.ACQUIRE, acquireConvention,
                DefaultLockObservationConvention.ACQUIRE, lock, b);
        Identity id = new Identity(lock);
        Observation earlier = acquiring.put(id, observation);
        if (earlier != null) {
            earlier.stop();
        }
        if (closed && acquiring.remove(id) != null) {
            observation.stop(); // raced with close()
        }
    }

    @Override
    public void acquired(LockInfo lock, Duration waited) {
        Bound b = bound;
        if (b == null || closed) {
            return;
        }
        endAcquireObservation(lock, MeterNames.ACQUIRED, null);
        Slot slot = b.slot(lock);
        slot.acquireTimer(0).record(waited);
        if (b.transactional) {
            return; // held until its transaction ends, which nobody reports
        }
        Observation holdObservation = observeHolds ? observe(LockObservationContext.Kind.HOLD, holdConvention,
                DefaultLockObservationConvention.HOLD, lock, b) : null;
        Identity id = new Identity(lock);
        Hold hold = new Hold(slot.active.start(), holdObservation);
        Hold earlier = holds.put(id, hold);
        if (earlier != null) {
            earlier.end(MeterNames.RELEASED);
        }
        if (closed && holds.remove(id) != null) {
            hold.end(MeterNames.CLOSED); // raced with close()
        }
    }

    @Override
    public void acquireFailed(LockInfo lock, AcquireFailure.Reason reason, Duration waited, Throwable cause) {
        Bound b = bound;
        if (b == null || closed) {
            return;
        }
        endAcquireObservation(lock, MeterNames.outcome(reason), reason.isError()
                ? new AcquireFailure(lock.name(), lock.key(), lock.mode(), waited, reason, null, cause) : null);
        b.slot(lock).acquireTimer(reason.ordinal() + 1).record(waited);
    }

    @Override
    public void released(LockInfo lock, Duration held) {
        Bound b = bound;
        if (b == null || closed || b.transactional) {
            return;
        }
        b.slot(lock).held.record(held);
        Hold hold = holds.remove(new Identity(lock));
        if (hold != null) {
            hold.end(MeterNames.RELEASED);
        }
    }

    @Override
    public void lockLost(LockInfo lock, Duration held, Throwable cause) {
        Bound b = bound;
        if (b == null || closed || b.transactional) {
            return;
        }
        b.slot(lock).lost.increment();
        Hold hold = holds.remove(new Identity(lock));
        if (hold != null) {
            hold.end(MeterNames.LOST_OUTCOME);
        }
    }

    @Override
    public void connectionReset(boolean destroyed, Throwable cause) {
        Bound b = bound;
        if (b == null || closed || b.transactional) {
            return;
        }
        b.resets[destroyed ? 1 : 0].increment();
    }

    /** The Locker closed: its meters go. */
    @Override
    public void lockerClosed() {
        close();
    }

    private Observation observe(LockObservationContext.Kind kind, LockObservationConvention custom,
            LockObservationConvention defaults, LockInfo lock, Bound b) {
        LockObservationContext context = new LockObservationContext(kind, lock.name(), lock.key(), lock.mode(),
                b.application);
        return Observation.createNotStarted(custom, defaults, () -> context, observations).start();
    }

    private void endAcquireObservation(LockInfo lock, String outcome, AcquireFailure failure) {
        if (observations == null) {
            return;
        }
        Observation observation = acquiring.remove(new Identity(lock));
        if (observation == null) {
            return;
        }
        if (observation.getContext() instanceof LockObservationContext) {
            ((LockObservationContext) observation.getContext()).end(outcome, failure == null ? null : failure.reason());
        }
        if (failure != null) {
            observation.error(failure);
        }
        observation.stop();
    }

    @Override
    public String toString() {
        Bound b = bound;
        return "PalsMetrics[" + (b == null ? "not bound" : b.tags.toString() + (b.transactional ? ", transaction locks" : ""))
                + (closed ? ", closed" : "") + "]";
    }

    // ---- state -------------------------------------------------------------------------------------

    /** A LockInfo as a map key by identity: two handles on one name are two holders. */
    private static final class Identity {
        private final LockInfo lock;

        Identity(LockInfo lock) {
            this.lock = lock;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Identity && ((Identity) other).lock == lock;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(lock);
        }
    }

    /** A hold in progress: its long-task sample and its observation, if any. */
    private static final class Hold {
        private final LongTaskTimer.Sample sample;
        private final Observation observation;

        Hold(LongTaskTimer.Sample sample, Observation observation) {
            this.sample = sample;
            this.observation = observation;
        }

        void end(String outcome) {
            sample.stop();
            if (observation != null) {
                if (observation.getContext() instanceof LockObservationContext) {
                    ((LockObservationContext) observation.getContext()).end(outcome, null);
                }
                observation.stop();
            }
        }
    }

    /** What is registered for the bound Locker. */
    private final class Bound {
        /** The Locker or TransactionLocker. */
        final Object source;
        /** Bound to a TransactionLocker: acquires only, no holds. */
        final boolean transactional;
        final String application;
        final Tags tags;
        final Counter[] resets = new Counter[2];
        final Group unnamed;
        final Map<String, Group> byName = new ConcurrentHashMap<>();
        final AtomicInteger names = new AtomicInteger();
        final AtomicBoolean capReached = new AtomicBoolean();
        final Group others;

        Bound(Object source, String application, Tags tags, boolean transactional) {
            this.source = source;
            this.transactional = transactional;
            this.application = application;
            this.tags = tags;
            this.unnamed = new Group(tags, transactional);
            this.others = lockNameLimit == 0 ? null
                    : new Group(tags.and(MeterNames.TAG_LOCK, MeterNames.OTHER_LOCKS), transactional);
        }

        Slot slot(LockInfo lock) {
            return group(lock.name()).slot(lock.mode());
        }

        private Group group(String name) {
            if (lockNameLimit == 0) {
                return unnamed;
            }
            Group group = byName.get(name);
            if (group != null) {
                return group;
            }
            if (names.get() < lockNameLimit) {
                group = byName.computeIfAbsent(name, n -> names.incrementAndGet() <= lockNameLimit
                        ? new Group(tags.and(MeterNames.TAG_LOCK, n), transactional) : null);
                if (group != null) {
                    return group;
                }
            }
            if (capReached.compareAndSet(false, true)) {
                LOG.log(Level.INFO, "lock name tag: " + lockNameLimit + " distinct names reached; further locks"
                        + " are tagged " + MeterNames.TAG_LOCK + "=" + MeterNames.OTHER_LOCKS);
            }
            return others;
        }
    }

    /** The meters of one lock name tag (or of all locks, without the tag), per mode. */
    private final class Group {
        final Tags tags;
        final boolean acquiresOnly;
        final AtomicReferenceArray<Slot> slots = new AtomicReferenceArray<>(MODES.length);

        Group(Tags tags, boolean acquiresOnly) {
            this.tags = tags;
            this.acquiresOnly = acquiresOnly;
        }

        Slot slot(LockMode mode) {
            Slot slot = slots.get(mode.ordinal());
            if (slot == null) {
                // Registering twice returns the same meters, so a race here costs nothing.
                slot = new Slot(tags.and(MeterNames.TAG_MODE, mode.label()), acquiresOnly);
                slots.compareAndSet(mode.ordinal(), null, slot);
                slot = slots.get(mode.ordinal());
            }
            return slot;
        }
    }

    /**
     * The meters of one lock name tag and mode. Acquire timers are made on first use, per outcome. Hold
     * meters are null for transaction locks.
     */
    private final class Slot {
        final Tags tags;
        final Timer held;
        final LongTaskTimer active;
        final Counter lost;
        final AtomicReferenceArray<Timer> acquire = new AtomicReferenceArray<>(OUTCOMES);

        Slot(Tags tags, boolean acquiresOnly) {
            this.tags = tags;
            if (acquiresOnly) {
                this.held = null;
                this.active = null;
                this.lost = null;
                return;
            }
            this.held = register(Timer.builder(MeterNames.HELD).description("How long locks were held (recorded on release)")
                    .tags(tags).publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofHours(1)).register(registry));
            this.active = register(LongTaskTimer.builder(MeterNames.HELD_ACTIVE)
                    .description("Locks held right now (count) and the longest current hold (max)").tags(tags)
                    .register(registry));
            this.lost = register(Counter.builder(MeterNames.LOST)
                    .description("Locks lost because their database session ended while held").tags(tags)
                    .register(registry));
        }

        Timer acquireTimer(int outcome) {
            Timer timer = acquire.get(outcome);
            if (timer == null) {
                String tag = outcome == 0 ? MeterNames.ACQUIRED : MeterNames.outcome(REASONS[outcome - 1]);
                timer = register(Timer.builder(MeterNames.ACQUIRE)
                        .description("How long acquires waited, for a connection and the lock, by outcome")
                        .tags(tags).tag(MeterNames.TAG_OUTCOME, tag).publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(2))
                        .register(registry));
                acquire.set(outcome, timer);
            }
            return timer;
        }
    }

    /**
     * Builds {@link PalsMetrics}. Defaults: tagged with the Locker's application, no lock name tag, no
     * observations.
     */
    public static final class Builder {
        /** Default of {@link #lockNameTag}: off. */
        public static final int DEFAULT_LOCK_NAME_TAG = 0;

        private final MeterRegistry registry;
        private String application;
        private Tags tags = Tags.empty();
        private int lockNameLimit = DEFAULT_LOCK_NAME_TAG;
        private ObservationRegistry observations;
        private boolean observeHolds;
        private LockObservationConvention acquireConvention;
        private LockObservationConvention holdConvention;

        private Builder(MeterRegistry registry) {
            this.registry = registry;
        }

        /**
         * The {@value MeterNames#TAG_APPLICATION} tag value. Default: the Locker's application name, or
         * {@value MeterNames#NO_APPLICATION} without one. PALs' tag takes precedence over a common
         * {@code application} tag of the registry (such as Spring Boot's
         * {@code management.metrics.tags.application}); to keep that value on PALs meters, give it here.
         *
         * @throws IllegalArgumentException if empty
         */
        public Builder application(String application) {
            if (application == null || application.isEmpty()) {
                throw new IllegalArgumentException("application must not be empty: \"" + application + "\"");
            }
            this.application = application;
            return this;
        }

        /**
         * More tags on every meter, as key-value pairs: {@code tags("locker", "primary")}. Needed to bind
         * two Lockers of one application to one registry.
         *
         * @throws IllegalArgumentException for an odd count, or a key PALs uses itself
         */
        public Builder tags(String... keyValues) {
            return tags(Tags.of(keyValues));
        }

        /** See {@link #tags(String...)}. */
        public Builder tags(Iterable<Tag> tags) {
            for (Tag tag : tags) {
                String key = tag.getKey();
                if (key.equals(MeterNames.TAG_APPLICATION) || key.equals(MeterNames.TAG_MODE)
                        || key.equals(MeterNames.TAG_OUTCOME) || key.equals(MeterNames.TAG_LOCK)) {
                    throw new IllegalArgumentException("tags must not use a key PALs uses itself: " + key);
                }
            }
            this.tags = this.tags.and(tags);
            return this;
        }

        /**
         * Tags lock meters with the lock's full name ({@value MeterNames#TAG_LOCK}), for at most
         * {@code maxNames} distinct names: locks beyond them are tagged {@value MeterNames#OTHER_LOCKS}.
         * Lock names can be unbounded (a name per customer, per job); every name multiplies the series.
         * Default: off.
         *
         * @throws IllegalArgumentException if {@code maxNames} is not positive
         */
        public Builder lockNameTag(int maxNames) {
            if (maxNames <= 0) {
                throw new IllegalArgumentException("lockNameTag maxNames must be positive: " + maxNames);
            }
            this.lockNameLimit = maxNames;
            return this;
        }

        /**
         * Observes acquires (and, with {@link #observeHolds}, holds) in {@code registry}: with a tracing
         * handler, a lock wait shows as a span {@code pals acquire} inside the request that waited. With
         * a meter handler, the observations make meters of their own,
         * {@value MeterNames#OBSERVATION_ACQUIRE} and {@value MeterNames#OBSERVATION_HOLD}, apart from
         * this class's. Default: none.
         */
        public Builder observations(ObservationRegistry registry) {
            this.observations = Objects.requireNonNull(registry, "observations");
            return this;
        }

        /**
         * Whether holds are observed too (from acquired to released), needs {@link #observations}. A hold
         * span can outlive the request that took the lock; it is not made current on any thread. Default:
         * false.
         */
        public Builder observeHolds(boolean observeHolds) {
            this.observeHolds = observeHolds;
            return this;
        }

        /** Names and key values of acquire observations instead of {@link DefaultLockObservationConvention#ACQUIRE}. */
        public Builder acquireObservationConvention(LockObservationConvention convention) {
            this.acquireConvention = Objects.requireNonNull(convention, "acquireObservationConvention");
            return this;
        }

        /** Names and key values of hold observations instead of {@link DefaultLockObservationConvention#HOLD}. */
        public Builder holdObservationConvention(LockObservationConvention convention) {
            this.holdConvention = Objects.requireNonNull(convention, "holdObservationConvention");
            return this;
        }

        /**
         * The metrics, not yet bound: give them to the Locker's builder as its listener, then
         * {@link PalsMetrics#bindTo} the Locker.
         *
         * @throws IllegalArgumentException if {@link #observeHolds} is set without {@link #observations}
         */
        public PalsMetrics build() {
            if (observeHolds && observations == null) {
                throw new IllegalArgumentException("observeHolds needs observations(ObservationRegistry)");
            }
            return new PalsMetrics(this);
        }
    }
}

package dev.pals;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LockListenerTest {
    private static final LockInfo LOCK = new LockInfo() {
        @Override
        public String name() {
            return "a.b";
        }

        @Override
        public LockKey key() {
            return LockKey.of(1L);
        }

        @Override
        public LockMode mode() {
            return LockMode.EXCLUSIVE;
        }
    };

    @Test
    void compositeOfNothingOrOnlyNoneIsNone() {
        assertThat(LockListener.composite()).isSameAs(LockListener.NONE);
        assertThat(LockListener.composite(LockListener.NONE, LockListener.NONE)).isSameAs(LockListener.NONE);
    }

    @Test
    void compositeGuardsEachListenerAndKeepsTheOrder() {
        List<String> heard = new ArrayList<>();
        LockListener first = new LockListener() {
            @Override
            public void acquired(LockInfo lock, Duration waited) {
                heard.add("first");
                throw new IllegalStateException("boom");
            }
        };
        LockListener second = new LockListener() {
            @Override
            public void acquired(LockInfo lock, Duration waited) {
                heard.add("second " + lock.name());
            }
        };
        LockListener composite = LockListener.composite(first, LockListener.NONE, second);
        composite.acquired(LOCK, Duration.ZERO);
        composite.released(LOCK, Duration.ZERO);
        assertThat(heard).containsExactly("first", "second a.b");
    }

    @Test
    void aSingleListenerIsGuardedToo() {
        LockListener thrower = new LockListener() {
            @Override
            public void lockLost(LockInfo lock, Duration held, Throwable cause) {
                throw new IllegalStateException("boom");
            }
        };
        LockListener.composite(thrower).lockLost(LOCK, Duration.ZERO, null);
    }

    @Test
    void compositeSwallowsErrorsButPassesOnAVirtualMachineErrorAfterEveryListenerHeard() {
        List<String> heard = new ArrayList<>();
        LockListener linkage = new LockListener() {
            @Override
            public void released(LockInfo lock, Duration held) {
                heard.add("linkage");
                throw new NoSuchMethodError("version mismatch");
            }
        };
        LockListener fatal = new LockListener() {
            @Override
            public void released(LockInfo lock, Duration held) {
                heard.add("fatal");
                throw new OutOfMemoryError("test");
            }
        };
        LockListener last = new LockListener() {
            @Override
            public void released(LockInfo lock, Duration held) {
                heard.add("last");
            }
        };
        LockListener.composite(linkage).released(LOCK, Duration.ZERO);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> LockListener.composite(linkage, fatal, last).released(LOCK, Duration.ZERO))
                .isInstanceOf(OutOfMemoryError.class);
        assertThat(heard).containsExactly("linkage", "linkage", "fatal", "last");
    }

    @Test
    void compositePassesLockerClosedToEach() {
        List<String> heard = new ArrayList<>();
        LockListener first = new LockListener() {
            @Override
            public void lockerClosed() {
                heard.add("first");
                throw new IllegalStateException("boom");
            }
        };
        LockListener second = new LockListener() {
            @Override
            public void lockerClosed() {
                heard.add("second");
            }
        };
        LockListener.composite(first, second).lockerClosed();
        assertThat(heard).containsExactly("first", "second");
    }
}

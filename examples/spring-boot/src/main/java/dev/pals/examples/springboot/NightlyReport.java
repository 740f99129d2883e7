package dev.pals.examples.springboot;

import dev.pals.spring.aop.WithLock;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** Every instance schedules the report; the lock lets one of them run it at a time, the others skip. */
@Component
public class NightlyReport {
    private static final Logger LOG = LoggerFactory.getLogger(NightlyReport.class);
    private final AtomicInteger runs = new AtomicInteger();

    @Scheduled(fixedDelayString = "${report.every}")
    @WithLock(value = "nightly-report", timeout = "0", onNotAcquired = WithLock.NotAcquired.SKIP)
    public void run() {
        LOG.info("nightly report, run {} on this instance", runs.incrementAndGet());
    }

    public int runs() {
        return runs.get();
    }
}

package dev.pals.examples.springboot;

import dev.pals.HeldLockInfo;
import dev.pals.Locker;
import dev.pals.spring.aop.WithLock;
import java.util.stream.Collectors;
import org.springframework.stereotype.Service;

/** Sending an invoice holds a lock on that invoice: two instances never send the same one at once. */
@Service
public class Invoices {
    private final Locker locker;

    public Invoices(Locker locker) {
        this.locker = locker;
    }

    @WithLock(value = "invoice-#{#id}", timeout = "5s")
    public String send(long id) {
        // ... look the invoice up, send it unless it was sent already, mark it sent ...
        return "sent invoice " + id + " holding " + locker.heldLocks().stream().map(HeldLockInfo::name)
                .collect(Collectors.joining(", "));
    }
}

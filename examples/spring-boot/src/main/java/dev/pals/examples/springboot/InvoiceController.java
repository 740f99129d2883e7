package dev.pals.examples.springboot;

import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
public class InvoiceController {
    private final Invoices invoices;

    public InvoiceController(Invoices invoices) {
        this.invoices = invoices;
    }

    @PostMapping("/invoices/{id}/send")
    public String send(@PathVariable long id) {
        return invoices.send(id);
    }
}

package dev.pals.examples.springboot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * A billing service on several instances: a nightly report that must run on one instance at a time, and
 * invoices that must not be sent twice at once. PALs needs nothing but the application's own
 * {@code spring.datasource.*}.
 */
@SpringBootApplication
@EnableScheduling
public class ExampleApp {
    public static void main(String[] args) {
        SpringApplication.run(ExampleApp.class, args);
    }
}

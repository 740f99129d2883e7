package dev.pals.spring.boot.autoconfigure.app;

import dev.pals.spring.aop.WithLock;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** A small web application that takes locks: what a user of the starter writes. */
@SpringBootApplication
public class LockingApp {
    public static void main(String[] args) {
        SpringApplication.run(LockingApp.class, args);
    }

    @Service
    public static class Reports {
        @WithLock("report-#{#day}")
        public String report(String day) {
            return "report " + day;
        }
    }

    @RestController
    public static class ReportController {
        private final Reports reports;

        public ReportController(Reports reports) {
            this.reports = reports;
        }

        @PostMapping("/reports/{day}")
        public String run(@PathVariable String day) {
            return reports.report(day);
        }
    }
}

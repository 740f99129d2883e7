package dev.pals.jooq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/**
 * The suite really runs on the PostgreSQL its Surefire execution asked for: each execution swaps in
 * one zonky binaries jar and names its version in {@code pals.pg.binaries}.
 */
class ServerVersionTest {

    @Test
    void theEmbeddedServerIsTheVersionThisExecutionAskedFor() {
        String version = Db.DB.serverVersion();
        String binaries = System.getProperty("pals.pg.binaries");
        System.out.println("PostgreSQL " + version + " (" + Db.DB.origin() + "), binaries asked for: " + binaries);
        assumeTrue(binaries != null && "embedded".equals(Db.DB.origin()),
                "runs on " + Db.DB + ", not on the embedded binaries of an execution");
        String major = binaries.substring(0, binaries.indexOf('.'));
        assertThat(version).as("server_version with binaries %s", binaries).startsWith(major + ".");
        // zonky's x.y.0 jars carry PostgreSQL x.y.
        assertThat(binaries).startsWith(version.split(" ")[0] + ".");
    }
}

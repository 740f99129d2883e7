package dev.pals.chaos;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The coordinator's connection to the witness: fault marks, pids of a worker's holds, counters, finish. */
final class Control implements AutoCloseable {
    private final Wire.Conn conn;

    Control(int port) throws IOException {
        this.conn = Wire.Conn.open(port, Wire.CONTROL, -1, -1, -1);
    }

    /**
     * Records a fault at the witness, in its order of events, and returns the witness's time of it. Called
     * before a fault acts (and after it ends), so the witness knows of it before any of its effects.
     */
    synchronized long mark(String kind, String phase, int worker, int generation, String detail) throws IOException {
        conn.out.writeByte(Wire.MARK);
        conn.out.writeUTF(kind);
        conn.out.writeUTF(phase);
        conn.out.writeInt(worker);
        conn.out.writeInt(generation);
        conn.out.writeUTF(detail);
        conn.awaitAck();
        return conn.in.readLong();
    }

    /** Backend pids of the locks the worker's threads hold in their sections now, as they reported them. */
    synchronized List<Integer> pids(int worker) throws IOException {
        conn.out.writeByte(Wire.PIDS);
        conn.out.writeInt(worker);
        conn.out.flush();
        int n = conn.in.readInt();
        List<Integer> pids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pids.add(conn.in.readInt());
        }
        return pids;
    }

    /** Holds entered, overlaps and lost locks so far. */
    synchronized long[] status() throws IOException {
        conn.out.writeByte(Wire.STATUS);
        conn.out.flush();
        return new long[] {conn.in.readLong(), conn.in.readLong(), conn.in.readLong()};
    }

    /** The witness writes everything out and exits. */
    synchronized void finish() throws IOException {
        conn.out.writeByte(Wire.FINISH);
        conn.awaitAck();
        conn.close(); // the witness waits for this before it exits
    }

    @Override
    public void close() {
        conn.close();
    }
}

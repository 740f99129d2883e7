package dev.pals.chaos;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;

/**
 * The witness protocol: TCP on loopback, one connection per worker thread (its holds), one per worker
 * process (lost locks, slow acquires, final counters) and one for the coordinator (fault marks). TCP
 * delivers each connection's messages whole and in order, or ends the connection. A thread's
 * {@link #ENTER} and {@link #EXIT} wait for the witness's {@link #ACK}: the witness has recorded the
 * entry before the thread works under the lock, and the exit before the thread releases it. So the
 * interval the witness sees between the two contains the thread's critical section, and lies within the
 * time the thread held the lock: two sections that overlap in reality overlap at the witness, and two
 * that do not, do not (whatever the other connections' delays).
 */
final class Wire {
    // Roles, in the hello that opens a connection.
    static final byte THREAD = 'T';
    static final byte EVENTS = 'E';
    static final byte CONTROL = 'C';

    // Thread connection.
    /** holdId, key, mode, pids; answered by ACK. */
    static final byte ENTER = 'N';
    /** holdId; answered by ACK. */
    static final byte EXIT = 'X';
    /** holdId, when release() was called, whether it returned true. No answer. */
    static final byte RELEASED = 'R';

    // Events connection.
    /** holdId, when the callback ran. No answer. */
    static final byte LOST = 'L';
    /** An acquire that took longer than its bound: start, end, bound, kind, outcome. No answer. */
    static final byte SLOW = 'S';
    /** The worker's counters as JSON, once, at a clean end; answered by ACK. */
    static final byte FINAL = 'F';

    // Control connection.
    /** kind, phase, worker, generation, detail; answered by ACK and the witness's time. */
    static final byte MARK = 'M';
    /** worker; answered by the backend pids of its holds in progress. */
    static final byte PIDS = 'P';
    /** Counters so far; answered by holds entered, overlaps and lost locks reported (three longs). */
    static final byte STATUS = 'Q';
    /** Write everything out and exit; answered by ACK. */
    static final byte FINISH = 'Z';

    /** On a thread or events connection: answered by ACK once everything sent before it is recorded. */
    static final byte SYNC = 'Y';

    static final byte ACK = 'A';

    private Wire() {
    }

    /** One connection's streams. */
    static final class Conn implements AutoCloseable {
        final Socket socket;
        final DataInputStream in;
        final DataOutputStream out;

        Conn(Socket socket) throws IOException {
            this.socket = socket;
            socket.setTcpNoDelay(true);
            this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
        }

        /** Connects to the witness on loopback and says who it is. */
        static Conn open(int port, byte role, int worker, int generation, int thread) throws IOException {
            Conn conn = new Conn(new Socket(InetAddress.getLoopbackAddress(), port));
            conn.out.writeByte(role);
            conn.out.writeInt(worker);
            conn.out.writeInt(generation);
            conn.out.writeInt(thread);
            conn.out.flush();
            return conn;
        }

        /** Flushes, then waits for the witness's ACK. */
        void awaitAck() throws IOException {
            out.flush();
            byte answer = in.readByte();
            if (answer != ACK) {
                throw new IOException("the witness answered " + answer + " instead of ACK");
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** Hold ids: worker, generation, thread and the thread's sequence number in one long. */
    static long holdId(int worker, int generation, int thread, int sequence) {
        return ((long) (worker & 0xff) << 56) | ((long) (generation & 0xffff) << 40) | ((long) (thread & 0xff) << 32)
                | (sequence & 0xffffffffL);
    }
}

package dev.pals.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy between a client and PostgreSQL that counts protocol round trips: every time the client
 * starts sending after the server last spoke (or at the start) is one flight, whatever the statement.
 * It sees what {@code pg_stat_statements} does not (such as the empty query of {@code isValid()}).
 * On request ({@link #recordClientBytes()}) it also keeps every byte clients send, per connection.
 */
public final class TcpProxy implements AutoCloseable {
    private final ServerSocket server;
    private volatile String targetHost;
    private volatile int targetPort;
    private final AtomicLong roundTrips = new AtomicLong();
    private final List<ByteArrayOutputStream> recorded = new CopyOnWriteArrayList<>();
    private volatile boolean recording;
    private final AtomicLong connections = new AtomicLong();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private volatile boolean frozen;

    private TcpProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "tcp-proxy-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A proxy on a free loopback port, forwarding to {@code targetHost:targetPort}. */
    public static TcpProxy start(String targetHost, int targetPort) {
        try {
            return new TcpProxy(targetHost, targetPort);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a proxy port", e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Keeps every byte clients send to the server on connections opened from now on. */
    public TcpProxy recordClientBytes() {
        recording = true;
        return this;
    }

    /** What clients sent, one array per connection recorded, in the order the connections came. */
    public List<byte[]> clientBytes() {
        List<byte[]> copies = new ArrayList<>();
        for (ByteArrayOutputStream sent : recorded) {
            synchronized (sent) {
                copies.add(sent.toByteArray());
            }
        }
        return copies;
    }

    /** Client-to-server flights since the start or the last {@link #resetCounts()}. */
    public long roundTrips() {
        return roundTrips.get();
    }

    /** Connections accepted since the start or the last {@link #resetCounts()}. */
    public long connections() {
        return connections.get();
    }

    public void resetCounts() {
        roundTrips.set(0);
        connections.set(0);
    }

    /**
     * The path goes silent: nothing is forwarded either way, new connections are accepted but get no
     * answer, yet every socket stays open (this machine's kernel still acknowledges, so TCP keepalive
     * sees nothing wrong). Only a timeout can tell.
     */
    public void freeze() {
        frozen = true;
    }

    /** Forwarding resumes; what was held back flows on. */
    public void thaw() {
        frozen = false;
    }

    /**
     * Connections made from now on go to {@code host:port}; those already open stay where they are, as
     * after a failover behind one address (a moved virtual IP, a DNS change).
     */
    public void retarget(String host, int port) {
        this.targetHost = host;
        this.targetPort = port;
    }

    /** Cuts every connection now (with a reset, as a failed network path or a proxy restart would). */
    public void dropConnections() {
        for (Socket socket : sockets) {
            try {
                socket.setSoLinger(true, 0);
            } catch (IOException ignored) {
                // closing anyway
            }
            closeQuietly(socket);
        }
        sockets.clear();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream;
                try {
                    upstream = new Socket(targetHost, targetPort);
                } catch (IOException e) {
                    // The server is down (a restart): refuse the client at once, as the server itself would.
                    closeQuietly(client);
                    continue;
                }
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                connections.incrementAndGet();
                Flights flights = new Flights();
                if (recording) {
                    flights.sent = new ByteArrayOutputStream();
                    recorded.add(flights.sent);
                }
                pump(client, upstream, flights, true);
                pump(upstream, client, flights, false);
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("tcp proxy: " + e);
                }
            }
        }
    }

    private void pump(Socket from, Socket to, Flights flights, boolean fromClient) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    while (frozen && !closed) {
                        Thread.sleep(5);
                    }
                    if (fromClient) {
                        if (flights.serverSpokeLast) {
                            roundTrips.incrementAndGet();
                        }
                        flights.serverSpokeLast = false;
                        ByteArrayOutputStream sent = flights.sent;
                        if (sent != null) {
                            synchronized (sent) {
                                sent.write(buffer, 0, n);
                            }
                        }
                    } else {
                        flights.serverSpokeLast = true;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // one side went away: close both
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "tcp-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        sockets.forEach(TcpProxy::closeQuietly);
    }

    /** Per connection: who spoke last. The client's first bytes count as a flight too. */
    private static final class Flights {
        volatile boolean serverSpokeLast = true;
        /** What the client sent, when recording. */
        volatile ByteArrayOutputStream sent;
    }
}

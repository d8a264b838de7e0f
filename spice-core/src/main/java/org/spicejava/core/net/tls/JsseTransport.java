package org.spicejava.core.net.tls;

import java.io.IOException;
import java.nio.ByteBuffer;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

import org.spicejava.core.host.NetworkStack;
import org.spicejava.core.sasl.SaslLinks;

/**
 * TLS over a non-blocking socket with a JSSE {@link SSLEngine} in server mode: records read from the socket are
 * unwrapped into application bytes, application bytes are wrapped into records, and the handshake runs as bytes
 * arrive (its slow steps run inline, as the reference's SSL_accept does). One record at most waits for the socket
 * on the way out, so memory stays bounded by the connection's own queue. Loop thread of the connection.
 */
public final class JsseTransport implements SecureTransport {
    private final SSLEngine engine;
    private final NetworkStack network;
    private final int fd;
    /** Records read from the socket, not yet unwrapped (write mode). */
    private ByteBuffer netIn;
    /** Application bytes unwrapped, not yet taken by the reader (write mode). */
    private ByteBuffer appIn;
    /** Records wrapped, not yet written to the socket (read mode). */
    private final ByteBuffer netOut;
    private boolean inputClosed;

    JsseTransport(SSLEngine engine, NetworkStack network, int fd) {
        this.engine = engine;
        this.network = network;
        this.fd = fd;
        int packet = engine.getSession().getPacketBufferSize();
        this.netIn = ByteBuffer.allocate(packet);
        this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
        this.netOut = ByteBuffer.allocate(packet).flip();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        while (true) {
            if (appIn.position() > 0) {
                return takeApplicationBytes(dst);
            }
            if (inputClosed) {
                return -1;
            }
            if (handshakeWantsWrap()) {
                wrap(ByteBuffer.allocate(0));
                if (netOut.hasRemaining()) {
                    return 0; // the socket is full: go on when it drains
                }
                continue;
            }
            if (netIn.position() > 0 && (unwrap() || inputClosed)) {
                continue; // progress, or close_notify: the top of the loop says -1
            }
            int n = network.read(fd, netIn);
            if (n < 0) {
                inputClosed = true;
                return appIn.position() > 0 ? takeApplicationBytes(dst) : -1;
            }
            if (n == 0) {
                return 0;
            }
        }
    }

    private int takeApplicationBytes(ByteBuffer dst) {
        appIn.flip();
        int n = Math.min(dst.remaining(), appIn.remaining());
        dst.put(dst.position(), appIn, appIn.position(), n).position(dst.position() + n);
        appIn.position(appIn.position() + n).compact();
        return n;
    }

    /** Unwraps what netIn holds; true when that made progress (bytes consumed or produced). */
    private boolean unwrap() throws SSLException {
        netIn.flip();
        SSLEngineResult result;
        try {
            result = engine.unwrap(netIn, appIn);
        } finally {
            netIn.compact();
        }
        runTasks(result);
        switch (result.getStatus()) {
            case BUFFER_UNDERFLOW -> {
                int packet = engine.getSession().getPacketBufferSize();
                if (netIn.capacity() < packet) {
                    netIn = ByteBuffer.allocate(packet).put(netIn.flip());
                }
                return false; // a partial record: read more
            }
            case BUFFER_OVERFLOW -> {
                int app = engine.getSession().getApplicationBufferSize();
                if (appIn.position() == 0 && appIn.capacity() < app) {
                    appIn = ByteBuffer.allocate(app);
                    return true;
                }
                return false; // the reader takes what is there first
            }
            case CLOSED -> {
                inputClosed = true;
                return false;
            }
            default -> {
                return result.bytesConsumed() > 0 || result.bytesProduced() > 0;
            }
        }
    }

    private boolean handshakeWantsWrap() {
        return engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP;
    }

    private boolean handshaking() {
        SSLEngineResult.HandshakeStatus status = engine.getHandshakeStatus();
        return status != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                && status != SSLEngineResult.HandshakeStatus.FINISHED;
    }

    private void runTasks(SSLEngineResult result) {
        if (result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
            Runnable task;
            while ((task = engine.getDelegatedTask()) != null) {
                task.run();
            }
        }
    }

    /** Wraps {@code src} into netOut (empty first) and writes what the socket takes; returns bytes consumed. */
    private int wrap(ByteBuffer src) throws IOException {
        netOut.compact();
        SSLEngineResult result;
        try {
            result = engine.wrap(src, netOut);
        } finally {
            netOut.flip();
        }
        runTasks(result);
        if (result.getStatus() == SSLEngineResult.Status.CLOSED && result.bytesProduced() == 0) {
            throw new SSLException("TLS session closed");
        }
        flush(); // also the record that closed the session (close_notify)
        return result.bytesConsumed();
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        flush();
        if (netOut.hasRemaining() || handshaking() && !handshakeWantsWrap()) {
            return 0; // a record still waits for the socket, or the handshake waits for the client
        }
        int total = 0;
        while (src.hasRemaining() && !netOut.hasRemaining()) {
            int n = wrap(src);
            if (n == 0 && !handshakeWantsWrap()) {
                break;
            }
            total += n;
        }
        return total;
    }

    @Override
    public boolean wantsWritable(boolean queued) {
        return netOut.hasRemaining() || queued && !(handshaking() && !handshakeWantsWrap());
    }

    @Override
    public void flush() throws IOException {
        while (true) {
            while (netOut.hasRemaining()) {
                if (network.write(fd, netOut) == 0) {
                    return;
                }
            }
            if (!handshakeWantsWrap()) {
                return;
            }
            wrap(ByteBuffer.allocate(0)); // the next record of the handshake flight, now that the last one is out
        }
    }

    @Override
    public boolean hasBufferedInput() {
        return appIn.position() > 0 || netIn.position() > 0 && !inputClosed;
    }

    @Override
    public int cipherBits() {
        return SaslLinks.cipherBits(engine.getSession().getCipherSuite());
    }

    @Override
    public void close() {
        engine.closeOutbound();
        try {
            if (!netOut.hasRemaining()) {
                wrap(ByteBuffer.allocate(0)); // close_notify, if the socket takes it now
            }
        } catch (IOException | RuntimeException e) {
            // the socket is closed right after: nothing more to say
        }
    }
}
